import { randomBytes, randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TraceEvent } from "#app/models/trace.ts";
import { post, registerMember, uniqueBody, type Member } from "../support/chat.ts";
import { createTestDatabase, type TestDatabase } from "../support/database.ts";
import { startServer, type RunningServer } from "../support/server.ts";
import { openSse } from "../support/sse-client.ts";

/**
 * The guest document micro-cache and the streamed lab against the production build (decision 0019):
 * guests share one render of a content page for about a second, each answer with its own nonce,
 * request id and visitor cookie; members and anything with a query string, a data request or a
 * cookie that could change the page get a fresh render; a cached answer is traced as what it is; the
 * lab's deferred chat history is in place in the document of a browser without scripts.
 */
const VISITOR_COOKIE = "glassbox_visitor";

let database: TestDatabase;
let server: RunningServer;
let member: Member;

beforeAll(async () => {
  database = await createTestDatabase();
  server = await startServer({
    DATABASE_URL: database.url,
    SESSION_SECRET: randomBytes(64).toString("base64url"),
    TRUST_PROXY: "loopback",
  });
  member = await registerMember(database.db, server.url, "cache");
});
afterAll(async () => {
  await server?.stop();
  await database?.drop();
});

interface Answer {
  readonly status: number;
  readonly html: string;
  readonly nonce: string;
  readonly requestId: string;
  readonly serverTiming: string;
  readonly setCookies: string[];
  readonly cached: boolean;
}

async function get(path: string, headers: Record<string, string> = {}): Promise<Answer> {
  const response = await fetch(new URL(path, server.url), { headers, redirect: "manual" });
  const serverTiming = response.headers.get("server-timing") ?? "";
  return {
    status: response.status,
    html: await response.text(),
    nonce: /'nonce-([^']+)'/.exec(response.headers.get("content-security-policy") ?? "")?.[1] ?? "",
    requestId: response.headers.get("x-request-id") ?? "",
    serverTiming,
    setCookies: response.headers.getSetCookie(),
    cached: /(^|,\s*)cache;desc=hit/.test(serverTiming),
  };
}

/** Two guest requests in a row, the second answered from the cache (retried if the window closed in between on a slow machine). */
async function twoGuests(path: string): Promise<[Answer, Answer]> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const first = await get(path);
    const second = await get(path);
    if (second.cached) return [first, second];
  }
  throw new Error(`${path} was never answered from the cache`);
}

const visitorCookieOf = (answer: Answer) =>
  answer.setCookies.find((cookie) => cookie.startsWith(`${VISITOR_COOKIE}=`))?.split(";")[0];
const withoutNonce = (answer: Answer) => answer.html.replaceAll(answer.nonce, "NONCE");

describe("a page every guest sees alike", () => {
  it("is rendered once and answered from memory, each guest with its own nonce, request id and visitor cookie", async () => {
    const [first, second] = await twoGuests("/");
    expect([first.status, second.status]).toEqual([200, 200]);
    expect(second.serverTiming).toMatch(/^cache;desc=hit, db;dur=0, total;dur=\d+(\.\d+)?$/);
    // Each answer's scripts carry the nonce of its own CSP header, never the other's.
    expect(first.nonce).not.toBe(second.nonce);
    expect(second.html).toContain(`nonce="${second.nonce}"`);
    expect(second.html).not.toContain(first.nonce);
    expect(second.html).not.toMatch(/<script(?![^>]*nonce=)[^>]*>[^<]/);
    // The same page apart from the nonce.
    expect(withoutNonce(second)).toBe(withoutNonce(first));
    expect(second.html).toContain("Software you can see running");
    // What belongs to one response is that response's own.
    expect(first.requestId).not.toBe(second.requestId);
    expect(visitorCookieOf(first)).toMatch(new RegExp(`^${VISITOR_COOKIE}=[A-Za-z0-9_-]{22}$`));
    expect(visitorCookieOf(second)).toMatch(new RegExp(`^${VISITOR_COOKIE}=[A-Za-z0-9_-]{22}$`));
    expect(visitorCookieOf(second)).not.toBe(visitorCookieOf(first));
    expect(second.setCookies).toHaveLength(1);
  });

  it("is answered from memory on the other content pages too, but never on pages that are not opted in", async () => {
    for (const path of ["/work", "/work/chat-realtime", "/open-source"])
      expect((await twoGuests(path))[1].html, path).toContain("</html>");
    for (const path of ["/login", "/register", "/chat", "/lab", "/writing"]) {
      for (let attempt = 0; attempt < 3; attempt++) expect((await get(path)).cached, path).toBe(false);
    }
  });

  it("is rendered afresh for a query string, a data request, or a cookie other than the visitor's, the scripts' and the device's", async () => {
    await twoGuests("/");
    const fresh = [
      () => get("/?utm_source=x"),
      () => get("/_root.data"),
      () => get("/", { cookie: "glassbox_session=anything" }),
      () => get("/", { cookie: `${VISITOR_COOKIE}=${"a".repeat(22)}; somebody_else=1` }),
    ];
    for (const [index, request] of fresh.entries())
      for (let attempt = 0; attempt < 3; attempt++) expect((await request()).cached, `request ${index}`).toBe(false);
    // The neutral cookies alone still get the shared page.
    const neutral = { cookie: `${VISITOR_COOKIE}=${"b".repeat(22)}; glassbox_js=1; glassbox_device=anything` };
    await get("/", neutral);
    let cached = false;
    for (let attempt = 0; attempt < 20 && !cached; attempt++) cached = (await get("/", neutral)).cached;
    expect(cached).toBe(true);
  });
});

describe("members", () => {
  it("always get a fresh render, and guests never get theirs", async () => {
    await twoGuests("/");
    for (let attempt = 0; attempt < 5; attempt++) {
      const page = await get("/", { cookie: member.browser.cookie ?? "" });
      expect(page.cached).toBe(false);
      expect(page.html).toContain(member.username);
      // Right after a member's render, a guest gets the guests' page.
      const guest = await get("/");
      expect(guest.html).not.toContain(member.username);
      expect(guest.html).toContain("Sign in");
    }
  });
});

describe("the trace of a cached answer", () => {
  it("says it was served from cache and shows no loader; the render it came from shows its loaders", async () => {
    // A visitor with a cookie, watching its own trace on a lab stream.
    const first = await get("/health");
    const cookie = visitorCookieOf(first) ?? "";
    const stream = await openSse(
      new URL(`/events?${new URLSearchParams({ tab: randomUUID(), lab: "1" })}`, server.url),
      { headers: { cookie } },
    );
    expect(stream.status).toBe(200);
    const eventsOf = async (requestId: string) => {
      const frames = await stream.waitFor(
        (all) =>
          all.some(
            (frame) =>
              frame.event === "trace" &&
              (JSON.parse(frame.data) as TraceEvent).requestId === requestId &&
              frame.data.includes('"request.end"'),
          ),
        10_000,
        `request.end of ${requestId}`,
      );
      return frames
        .filter((frame) => frame.event === "trace")
        .map((frame) => JSON.parse(frame.data) as TraceEvent)
        .filter((event) => event.requestId === requestId);
    };
    try {
      let hit: Answer | undefined;
      for (let attempt = 0; attempt < 20 && !hit?.cached; attempt++) {
        await get("/");
        hit = await get("/", { cookie });
      }
      expect(hit?.cached).toBe(true);
      const served = await eventsOf(hit?.requestId ?? "");
      expect(served.map((event) => event.kind)).toEqual(["page.cache", "request.end"]);
      expect(served[0]?.message).toMatch(/^served from cache: \/ as rendered \d+ ms ago \(no loader ran\)$/);

      // Once the window has passed, this visitor's own request is the one that renders.
      let rendered: Answer | undefined;
      for (let attempt = 0; attempt < 5 && (!rendered || rendered.cached); attempt++) {
        await new Promise((resolve) => setTimeout(resolve, 1_200));
        rendered = await get("/", { cookie });
      }
      expect(rendered?.cached).toBe(false);
      const events = await eventsOf(rendered?.requestId ?? "");
      expect(
        events
          .filter((event) => event.kind === "loader")
          .map((event) => event.message)
          .sort(),
      ).toEqual(["loader root", "loader routes/_index"]);
      expect(events.find((event) => event.kind === "page.cache")?.message).toBe(
        "rendered for every guest: / answered from memory for 1000 ms",
      );
    } finally {
      stream.close();
    }
  });
});

describe("the lab without scripts", () => {
  it("has the chat history in place in its document; with scripts the history is in the document too", async () => {
    const body = uniqueBody("deferred history");
    await post(member.browser, body);
    const plain = await get("/lab");
    expect(plain.status).toBe(200);
    const chat = plain.html.slice(plain.html.indexOf('id="chat"'), plain.html.indexOf('id="visibility"'));
    expect(chat).toContain(body);
    expect(plain.html).not.toContain("Loading the chat");
    expect(plain.html).not.toMatch(/<div hidden id="S:/);

    const scripted = await get("/lab", { cookie: "glassbox_js=1" });
    expect(scripted.status).toBe(200);
    expect(scripted.html).toContain(body);
  });
});
