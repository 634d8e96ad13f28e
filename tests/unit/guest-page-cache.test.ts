import { describe, expect, it } from "vitest";
import {
  createGuestPageCache,
  type CacheOutcome,
  type GuestPageCacheOptions,
} from "#app/http/guest-page-cache.server.ts";
import { SCRIPTS_COOKIE } from "#app/http/render-mode.ts";

/**
 * The guest page cache's rules on their own (decision 0019): what is kept, for whom, with whose
 * nonce, for how long and in how much memory. tests/integration/guest-page-cache.test.ts checks the
 * same through the built server.
 */
const ORIGIN = "http://glassbox.test";

function setup(overrides: Partial<GuestPageCacheOptions> = {}) {
  const outcomes: CacheOutcome[] = [];
  const cache = createGuestPageCache({
    ttlMs: 60_000,
    maxBytes: 1024 * 1024,
    neutralCookies: ["glassbox_visitor", SCRIPTS_COOKIE],
    buildId: "build-1",
    record: (outcome) => outcomes.push(outcome),
    serverTiming: () => "cache;desc=hit, db;dur=0, total;dur=0.1",
    ...overrides,
  });
  let renders = 0;
  /** A render of `path` as React Router would answer it, with the nonce it was given in its scripts. */
  const renderer =
    (nonce: string, init: { status?: number; headers?: Record<string, string>; body?: string } = {}) =>
    async () => {
      renders += 1;
      const body =
        init.body ?? `<html><script nonce="${nonce}">hydrate(${renders})</script><p>for every guest</p></html>`;
      return new Response(body, {
        status: init.status ?? 200,
        headers: {
          "Content-Type": "text/html; charset=utf-8",
          "Server-Timing": "db;dur=1, render;dur=2, total;dur=3",
          ...init.headers,
        },
      });
    };
  const request = (path = "/", init: { method?: string; cookie?: string; userAgent?: string } = {}) =>
    new Request(`${ORIGIN}${path}`, {
      method: init.method ?? "GET",
      headers: {
        ...(init.cookie ? { cookie: init.cookie } : {}),
        ...(init.userAgent ? { "user-agent": init.userAgent } : {}),
      },
    });
  return { cache, outcomes, renderer, request, renders: () => renders };
}

describe("the guest page cache", () => {
  it("renders a guest page once and answers the next guest from memory with that guest's own nonce", async () => {
    const { cache, outcomes, renderer, request, renders } = setup();
    const first = await cache.serve(request(), "NONCE-A", renderer("NONCE-A"));
    const second = await cache.serve(
      request("/", { cookie: "glassbox_visitor=someone" }),
      "NONCE-B",
      renderer("NONCE-B"),
    );
    expect(renders()).toBe(1);
    expect(await first.text()).toBe('<html><script nonce="NONCE-A">hydrate(1)</script><p>for every guest</p></html>');
    expect(await second.text()).toBe('<html><script nonce="NONCE-B">hydrate(1)</script><p>for every guest</p></html>');
    // The render's own timing went out with the render; the answer from memory says what it is.
    expect(first.headers.get("server-timing")).toBe("db;dur=1, render;dur=2, total;dur=3");
    expect(second.headers.get("server-timing")).toMatch(/^cache;desc=hit/);
    expect(second.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(outcomes.map((outcome) => outcome.kind)).toEqual(["stored", "hit"]);
  });

  it("renders for itself every request that is not a plain guest GET: other cookies, a query, .data, other methods", async () => {
    const { cache, outcomes, renderer, request, renders } = setup();
    await cache.serve(request(), "N0", renderer("N0"));
    const fresh = [
      request("/", { cookie: "glassbox_session=member" }),
      request("/", { cookie: `glassbox_visitor=v; ${SCRIPTS_COOKIE}=1; glassbox_device=d` }),
      request("/?done=bot"),
      request("/?"),
      request("/_root.data"),
      request("/", { method: "HEAD" }),
      request("/", { method: "POST" }),
    ];
    for (const [index, one] of fresh.entries()) {
      const response = await cache.serve(one, `N${index + 1}`, renderer(`N${index + 1}`));
      expect(response.headers.get("server-timing"), one.url).not.toMatch(/cache/);
    }
    expect(renders()).toBe(1 + fresh.length);
    expect(outcomes.map((outcome) => outcome.kind)).toEqual(["stored"]);
  });

  it("never keeps a render that sets a cookie, is not a 200 or is not HTML", async () => {
    const { cache, outcomes, renderer, request, renders } = setup();
    const answers = [
      renderer("N", { headers: { "Set-Cookie": "glassbox_session=new; Path=/" } }),
      renderer("N", { status: 404 }),
      renderer("N", { status: 500 }),
      renderer("N", { headers: { "Content-Type": "application/json" }, body: "{}" }),
    ];
    for (const render of answers) {
      const response = await cache.serve(request("/work"), "N", render);
      // The request that rendered gets its own answer untouched.
      expect(response.headers.get("server-timing")).toBe("db;dur=1, render;dur=2, total;dur=3");
    }
    expect(renders()).toBe(answers.length);
    expect(outcomes).toEqual([]);
  });

  it("keys by build, origin, path and whether the document streams", async () => {
    const { cache, renderer, request, renders } = setup();
    const other = setup({ buildId: "build-2" });
    await cache.serve(request("/"), "N", renderer("N"));
    await cache.serve(request("/work"), "N", renderer("N"));
    await cache.serve(new Request("http://evil.test/"), "N", renderer("N"));
    await cache.serve(request("/", { cookie: `${SCRIPTS_COOKIE}=1` }), "N", renderer("N"));
    expect(renders()).toBe(4);
    await cache.serve(request("/"), "N", renderer("N"));
    expect(renders()).toBe(4);
    // Another build has nothing of this one's.
    await other.cache.serve(other.request("/"), "N", other.renderer("N"));
    expect(other.renders()).toBe(1);
  });

  it("lets guests who arrive during a render wait for it instead of rendering again", async () => {
    const { cache, outcomes, request, renders, renderer } = setup();
    const answers = await Promise.all(
      ["N1", "N2", "N3", "N4"].map((nonce) => cache.serve(request("/"), nonce, renderer(nonce))),
    );
    expect(renders()).toBe(1);
    expect(await Promise.all(answers.map((answer) => answer.text()))).toEqual(
      ["N1", "N2", "N3", "N4"].map(
        (nonce) => `<html><script nonce="${nonce}">hydrate(1)</script><p>for every guest</p></html>`,
      ),
    );
    expect(outcomes.map((outcome) => outcome.kind)).toEqual(["stored", "hit", "hit", "hit"]);
  });

  it("lets waiting guests render for themselves when the render they waited for cannot be kept or fails", async () => {
    const { cache, request, renderer, renders } = setup();
    const refused = renderer("N1", { headers: { "Set-Cookie": "x=1" } });
    const [own, waiting] = await Promise.all([
      cache.serve(request("/"), "N1", refused),
      cache.serve(request("/"), "N2", renderer("N2")),
    ]);
    expect(own.headers.get("set-cookie")).toBe("x=1");
    expect(await waiting.text()).toContain('nonce="N2"');
    expect(renders()).toBe(2);
    const failing = () => Promise.reject(new Error("render failed"));
    const [failed, after] = await Promise.allSettled([
      cache.serve(request("/open-source"), "N3", failing),
      cache.serve(request("/open-source"), "N4", renderer("N4")),
    ]);
    expect(failed.status).toBe("rejected");
    expect(after.status === "fulfilled" && (await after.value.text())).toContain('nonce="N4"');
  });

  it("forgets a page after its window", async () => {
    const { cache, renderer, request, renders } = setup({ ttlMs: 30 });
    await cache.serve(request("/"), "N", renderer("N"));
    await cache.serve(request("/"), "N", renderer("N"));
    expect(renders()).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 60));
    await cache.serve(request("/"), "N", renderer("N"));
    expect(renders()).toBe(2);
  });

  it("stays within its memory bound whatever the number of paths", async () => {
    const maxBytes = 64 * 1024;
    const { cache, renderer, request } = setup({ maxBytes });
    const body = `<p>${"x".repeat(4000)}</p>`;
    for (let index = 0; index < 200; index++)
      await cache.serve(request(`/work/${index}`), "N", renderer("N", { body }));
    expect(cache.stats().bytes).toBeLessThanOrEqual(maxBytes);
    expect(cache.stats().pages).toBeLessThan(200);
  });
});
