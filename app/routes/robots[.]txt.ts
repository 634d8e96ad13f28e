import type { Route } from "./+types/robots[.]txt";

/** Crawlers may read the public pages; accounts, admin, the API, streams and form endpoints are not for them. */
const PRIVATE = [
  "/account",
  "/admin",
  "/api/",
  "/auth/",
  "/chat/moderation",
  "/dev/",
  "/events",
  "/lab/probe",
  "/login",
  "/logout",
  "/register",
  "/writing/new",
];

export function loader({ url }: Route.LoaderArgs) {
  const lines = [
    "User-agent: *",
    "Allow: /",
    ...PRIVATE.map((path) => `Disallow: ${path}`),
    "",
    `Sitemap: ${new URL("/sitemap.xml", url.origin).href}`,
    "",
  ];
  return new Response(lines.join("\n"), {
    headers: { "Content-Type": "text/plain; charset=utf-8", "Cache-Control": "public, max-age=3600" },
  });
}
