/** Where `?next=` may send a visitor: a path on this site, never another origin. */
const BASE = "http://glassbox.invalid";

/**
 * The one place that decides whether a `next` value may be followed. It is resolved against the
 * site's own origin the way a browser would resolve it (dot segments, `%2e`, backslashes, tabs and
 * newlines all count), and only a same-origin result whose path cannot be read as another host
 * (`/.//evil.example` resolves to the path `//evil.example`, which a browser would take as
 * protocol-relative) is returned, as path + search + hash.
 */
export function safeRedirectPath(value: string | null | undefined, fallback: string): string {
  if (!value || value.length > 2048 || !value.startsWith("/")) return fallback;
  let url: URL;
  try {
    url = new URL(value, BASE);
  } catch {
    return fallback;
  }
  const target = `${url.pathname}${url.search}${url.hash}`;
  if (url.origin !== BASE || !target.startsWith("/") || target.startsWith("//")) return fallback;
  // What the browser will do with the Location header: it must land on this site, at this path.
  const landing = new URL(target, BASE);
  return landing.origin === BASE && landing.href === url.href ? target : fallback;
}
