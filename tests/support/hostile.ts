/** Hostile input shared by the hostile-input cases (per form field) and the route fuzz (per route parameter), both in hostile-requests.test.ts. */

export const MB = "x".repeat(1024 * 1024);

/** Field values no form should choke on. */
export const hostileValues: Record<string, string> = {
  empty: "",
  spaces: "   \t  ",
  nul: "abc\u0000def",
  "nul email": "ada\u0000@example.com",
  "1 MB": MB,
  unicode: "ünïcødé 名前 Ελληνικά",
  rtl: "\u202Eadmin\u202C@example.com",
  emoji: "👩‍👩‍👧‍👦😀🔥@example.com",
  "lone surrogate": "\uD800x\uDFFF",
  sql: "' OR '1'='1'; DROP TABLE users; --",
  "sql email": "x'--@example.com",
  html: "<script>alert(1)</script><img src=x onerror=alert(1)>",
  "control chars": "\u0001\u0002\u001b[31m\r\n\t",
  "header injection": "/ok\r\nSet-Cookie: pwned=1",
  "percent literal": "%E0%A4%A",
  "like wildcards": "%_\\%",
  "long email": `${"a".repeat(5000)}@example.com`,
  "exactly 1025 bytes": "a".repeat(1025),
};

/**
 * `next` values that look like a path on this site but are not (issue 17's probe found the first):
 * dot segments, encoded dots and slashes, backslashes, tabs and newlines the URL parser strips,
 * other schemes, absolute and protocol-relative URLs. Each must end on a path of this site.
 */
export const hostileNexts: readonly string[] = [
  "/.//evil.example",
  "/./\\evil.example",
  "/.\\/evil.example",
  "/..//evil.example",
  "/a/..//evil.example",
  "/x/..\\..\\/evil.example",
  "/%2e//evil.example",
  "/%2E%2E//evil.example",
  "/%2e%2e/%2e%2e//evil.example",
  "/%2f%2fevil.example",
  "/%2F/evil.example",
  "/%5c%5cevil.example",
  "/\\evil.example",
  "/\\/evil.example",
  "\\\\evil.example",
  "/\t/evil.example",
  "/\n/evil.example",
  "/\r\n/evil.example",
  "/\t\\evil.example",
  " //evil.example",
  "//evil.example",
  "///evil.example",
  "//evil.example/%2e%2e",
  "https://evil.example/",
  "https:evil.example",
  "http://127.0.0.1.evil.example/",
  "javascript:alert(1)",
  "/javascript:alert(1)",
  "data:text/html,<script>alert(1)</script>",
  "evil.example",
];

/** Whether a Location header, as a browser resolves it against `origin`, stays on that origin. */
export function landsOnSite(location: string | null, origin: string): boolean {
  if (!location || !location.startsWith("/") || location.startsWith("//") || location.startsWith("/\\")) return false;
  return new URL(location, origin).origin === new URL(origin).origin;
}
