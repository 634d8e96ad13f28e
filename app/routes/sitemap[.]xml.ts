import { servicesOf } from "#app/context.ts";
import type { Route } from "./+types/sitemap[.]xml";

/** sitemap.xml (sitemaps.org protocol): every public page, absolute on this request's origin. */
export async function loader({ context, url }: Route.LoaderArgs) {
  const entries = await servicesOf(context).siteMap.entries();
  const urls = entries.map(
    (entry) =>
      `  <url><loc>${xmlText(new URL(entry.path, url.origin).href)}</loc>${entry.lastModified ? `<lastmod>${entry.lastModified.toISOString()}</lastmod>` : ""}</url>`,
  );
  const body = `<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n${urls.join("\n")}\n</urlset>\n`;
  return new Response(body, {
    headers: { "Content-Type": "application/xml; charset=utf-8", "Cache-Control": "public, max-age=300" },
  });
}

function xmlText(text: string): string {
  return text.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
}
