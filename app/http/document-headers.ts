import type { HeadersArgs } from "react-router";

/**
 * A route's `headers` export. React Router passes only cookies on by itself, so the route's cache
 * policy and the `Retry-After` of a throttled action or loader are set here; the rest comes from
 * the parent (the root's default cache policy).
 */
export function documentHeaders(cacheControl?: string) {
  return ({ parentHeaders, actionHeaders, loaderHeaders }: HeadersArgs): Headers => {
    const headers = new Headers(parentHeaders);
    if (cacheControl) headers.set("Cache-Control", cacheControl);
    const retryAfter = actionHeaders.get("Retry-After") ?? loaderHeaders.get("Retry-After");
    if (retryAfter) headers.set("Retry-After", retryAfter);
    return headers;
  };
}
