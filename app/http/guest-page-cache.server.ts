import { parse } from "cookie";
import { LRUCache } from "lru-cache";
import { streamsDocument } from "./render-mode.ts";

/**
 * The guest document micro-cache (docs/decisions/0019). A content page that is the same for every
 * guest is rendered once per short window (per build, origin, path and render mode) and answered
 * from memory meanwhile. What belongs to one response stays per response: the CSP nonce is put into
 * the cached HTML in place of the one it was rendered with, and the request id, the visitor cookie
 * and the CSP header are set by the server pipeline around React Router, never stored here. A
 * cached answer is a request of its own in the trace ("served from cache"), not a replay of loaders
 * that did not run.
 *
 * Only what every guest gets alike is kept: GET without a query string, not a `.data` request, no
 * cookie but the neutral ones (so members, and anyone with a session, flash or sign-in cookie, get a
 * fresh render), a 200 HTML answer that sets no cookie. Routes opt in with the `cacheForGuests`
 * middleware (`cache-for-guests.ts`); they must have no deferred data and nothing per visitor in their HTML.
 */
export interface GuestPageCacheOptions {
  /** How long a render is answered from memory. */
  readonly ttlMs: number;
  /** Memory bound of all kept pages (their HTML counted as UTF-16). */
  readonly maxBytes: number;
  /** Cookies that never change a page's HTML (the visitor cookie, the scripts cookie); any other bypasses the cache. */
  readonly neutralCookies: readonly string[];
  /** This build's id (a new build never answers with an older one's HTML). */
  readonly buildId: string;
  /** Writes what happened into the request's trace. */
  readonly record: (outcome: CacheOutcome) => void;
  /** The `Server-Timing` of an answer from memory. */
  readonly serverTiming: () => string;
  readonly now?: () => number;
}

export type CacheOutcome =
  | { readonly kind: "hit"; readonly path: string; readonly ageMs: number }
  | { readonly kind: "stored"; readonly path: string; readonly ttlMs: number };

interface CachedPage {
  readonly path: string;
  readonly html: string;
  /** The nonce the HTML was rendered with: each answer puts its own in its place. */
  readonly nonce: string;
  readonly status: number;
  readonly headers: readonly (readonly [string, string])[];
  readonly renderedAt: number;
}

/** Headers that belong to one response (React Router's render sets Server-Timing; cookies are never stored). */
const PER_RESPONSE = new Set(["server-timing", "set-cookie", "content-length"]);
const MAX_PAGES = 500;

export type GuestPageCache = ReturnType<typeof createGuestPageCache>;

export function createGuestPageCache(options: GuestPageCacheOptions) {
  const now = options.now ?? Date.now;
  const neutral = new Set(options.neutralCookies);
  const pages = new LRUCache<string, CachedPage, () => Promise<CachedPage | undefined>>({
    max: MAX_PAGES,
    maxSize: options.maxBytes,
    sizeCalculation: (page) => Math.max(1, page.html.length * 2),
    ttl: options.ttlMs,
    fetchMethod: (_key, _stale, { context }) => context(),
  });

  /** The key of a request every guest gets the same answer to; undefined when it must be rendered for itself. */
  function keyOf(request: Request): string | undefined {
    if (request.method !== "GET") return undefined;
    // Any query string at all (even a bare "?"): query parameters are what pages render notices from.
    if (request.url.includes("?")) return undefined;
    const url = new URL(request.url);
    if (url.pathname.endsWith(".data")) return undefined;
    const cookie = request.headers.get("cookie");
    if (cookie && Object.keys(parse(cookie)).some((name) => !neutral.has(name))) return undefined;
    return `${options.buildId} ${streamsDocument(request) ? "streamed" : "complete"} ${url.origin}${url.pathname}`;
  }

  async function keep(response: Response, nonce: string, path: string): Promise<CachedPage | undefined> {
    const type = response.headers.get("content-type") ?? "";
    if (response.status !== 200 || !type.startsWith("text/html") || response.headers.has("set-cookie"))
      return undefined;
    const headers = [...response.headers].filter(([name]) => !PER_RESPONSE.has(name.toLowerCase()));
    return { path, html: await response.text(), nonce, status: response.status, headers, renderedAt: now() };
  }

  function answer(page: CachedPage, nonce: string): Response {
    const headers = new Headers(page.headers as [string, string][]);
    headers.set("Server-Timing", options.serverTiming());
    return new Response(page.nonce === nonce ? page.html : page.html.replaceAll(page.nonce, nonce), {
      status: page.status,
      headers,
    });
  }

  return {
    /**
     * Answers `request` from memory, or renders it (`render`, once) and keeps the render when every
     * guest may have it. Requests that arrive while a page is being rendered wait for that render
     * instead of starting their own; if it cannot be kept, they render for themselves.
     */
    async serve(request: Request, nonce: string, render: () => Promise<Response>): Promise<Response> {
      const key = keyOf(request);
      if (!key) return render();
      const path = new URL(request.url).pathname;
      let own: Promise<Response> | undefined;
      const page = await pages
        .fetch(key, {
          context: async () => {
            own = render();
            // A clone is read, so this request's own response stays untouched if it cannot be kept.
            return keep((await own).clone(), nonce, path);
          },
        })
        .catch(() => undefined);
      if (own) {
        if (page) options.record({ kind: "stored", path, ttlMs: options.ttlMs });
        return own;
      }
      if (!page) return render();
      options.record({ kind: "hit", path, ageMs: Math.max(0, now() - page.renderedAt) });
      return answer(page, nonce);
    },

    /** How many pages are kept and their estimated size (for tests and the diagnostic view). */
    stats: () => ({ pages: pages.size, bytes: pages.calculatedSize }),
  };
}
