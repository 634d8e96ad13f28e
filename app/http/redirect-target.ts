/** Where `?next=` may send a visitor: a path on this site, never another origin. */
const BASE = "http://glassbox.invalid";

export function safeRedirectPath(value: string | null | undefined, fallback: string): string {
  // "//host" and "/\host" are protocol-relative in browsers; the URL check below catches the rest
  // (tabs and newlines that the URL parser strips, backslashes it turns into slashes).
  if (!value || value.length > 2048 || !value.startsWith("/") || value.startsWith("//") || value.startsWith("/\\")) return fallback;
  try {
    const url = new URL(value, BASE);
    return url.origin === BASE ? `${url.pathname}${url.search}${url.hash}` : fallback;
  } catch {
    return fallback;
  }
}
