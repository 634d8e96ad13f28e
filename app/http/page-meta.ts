import type { MetaDescriptor } from "react-router";
import { siteContent } from "#app/models/site-content.ts";

/**
 * A page's document title, meta description and their Open Graph twins (what a link preview
 * shows); none while an error page renders instead. `type` is Open Graph's: "article" for a post,
 * a case study or a note.
 */
export function pageMeta(
  page: { title: string; description: string; type?: "website" | "article" } | undefined,
): MetaDescriptor[] {
  if (!page) return [];
  return [
    { title: page.title },
    { name: "description", content: page.description },
    { property: "og:title", content: page.title },
    { property: "og:description", content: page.description },
    { property: "og:type", content: page.type ?? "website" },
    { property: "og:site_name", content: siteContent.name },
    { name: "twitter:card", content: "summary" },
  ];
}
