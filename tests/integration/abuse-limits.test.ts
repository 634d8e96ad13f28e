import { randomBytes, randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TIMELINE_BATCH_MAX, TIMELINE_TICK_MS } from "#app/services/timeline-batch.server.ts";
import type { RequestLine } from "#app/models/trace.ts";
import { createBrowser, inBatches, newAccount, nextIp } from "../support/browser.ts";
import { registerMember } from "../support/chat.ts";
import { createTestDatabase, type TestDatabase } from "../support/database.ts";
import { startServer, type RunningServer } from "../support/server.ts";
import { openSse, type SseStream } from "../support/sse-client.ts";

/**
 * Issue 17's probe, as tests: event streams capped per visitor (16) and per client address (256)
 * with a catalogue 429 and a slot freed when a stream closes; other visitors' timeline lines
 * coalesced per tick, whatever the number of requests; sign-ups and the lab's account lookups
 * throttled per address. The defaults are what is tested.
 */
let database: TestDatabase;
let server: RunningServer;

beforeAll(async () => {
  database = await createTestDatabase();
  server = await startServer({
    DATABASE_URL: database.url,
    SESSION_SECRET: randomBytes(64).toString("base64url"),
    TRUST_PROXY: "loopback",
  });
});
afterAll(async () => {
  await server?.stop();
  await database?.drop();
});

const newVisitor = () => `glassbox_visitor=${randomBytes(16).toString("base64url")}`;

/** One tab's stream as a client at `ip` with `cookie` (none: a new visitor every time). */
function stream(
  ip: string,
  { cookie, lab = false, path }: { cookie?: string; lab?: boolean; path?: string } = {},
): Promise<SseStream> {
  const url = new URL(
    path ?? `/events?${new URLSearchParams({ tab: randomUUID(), room: "lobby", ...(lab ? { lab: "1" } : {}) })}`,
    server.url,
  );
  return openSse(url, { headers: { "x-forwarded-for": ip, ...(cookie ? { cookie } : {}) } });
}

async function expectRefused(pending: Promise<SseStream>) {
  const refused = await pending;
  expect(refused.status).toBe(429);
  expect(refused.headers["retry-after"]).toMatch(/^\d+$/);
  expect(JSON.parse(refused.text())).toMatchObject({ status: 429, code: "stream:too_many" });
}

/** Once a stream is closed its slot comes back as soon as the server sees the disconnect. */
async function openOnceFreed(open: () => Promise<SseStream>): Promise<SseStream> {
  for (const deadline = Date.now() + 5_000; ;) {
    const next = await open();
    if (next.status === 200 || Date.now() > deadline) return next;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const closeAll = (streams: readonly SseStream[]) => streams.forEach((one) => one.close());

describe("event streams per visitor and per address", () => {
  it("refuses a visitor's 17th stream with 429 stream:too_many, and takes one again once a stream closes", async () => {
    const ip = nextIp();
    const cookie = newVisitor();
    const open = await Promise.all(
      Array.from({ length: 16 }, (_, index) => stream(ip, { cookie, lab: index % 2 === 0 })),
    );
    try {
      for (const one of open) expect(one.status).toBe(200);
      await expectRefused(stream(ip, { cookie }));
      // Another visitor at the same address is not held by this visitor's cap.
      const neighbour = await stream(ip, { cookie: newVisitor() });
      expect(neighbour.status).toBe(200);
      neighbour.close();

      open.shift()?.close();
      const again = await openOnceFreed(() => stream(ip, { cookie }));
      expect(again.status).toBe(200);
      open.push(again);
    } finally {
      closeAll(open);
    }
  });

  it("refuses the 257th stream of one address, whatever the cookies, and takes one again once a stream closes", async () => {
    const ip = nextIp();
    // No cookie: every stream is a new visitor, as the probe's cookie-less client was.
    const open = await inBatches(
      Array.from({ length: 256 }, () => () => stream(ip)),
      32,
    );
    try {
      expect(open.filter((one) => one.status === 200)).toHaveLength(256);
      await expectRefused(stream(ip));
      await expectRefused(stream(ip, { cookie: newVisitor() }));
      // Another address is not.
      const elsewhere = await stream(nextIp());
      expect(elsewhere.status).toBe(200);
      elsewhere.close();

      open.pop()?.close();
      const again = await openOnceFreed(() => stream(ip));
      expect(again.status).toBe(200);
      open.push(again);
    } finally {
      closeAll(open);
    }
  });

  it("counts the action-log stream in the same budget", async () => {
    const member = await registerMember(database.db, server.url, "capped");
    const ip = member.browser.ip ?? nextIp();
    const cookie = `${member.browser.cookie}; ${newVisitor()}`;
    const open = await Promise.all(Array.from({ length: 16 }, () => stream(ip, { cookie })));
    try {
      for (const one of open) expect(one.status).toBe(200);
      await expectRefused(stream(ip, { cookie, path: "/api/v0/action-logs/stream" }));
      open.pop()?.close();
      const actionLog = await openOnceFreed(() => stream(ip, { cookie, path: "/api/v0/action-logs/stream" }));
      expect(actionLog.status).toBe(200);
      open.push(actionLog);
    } finally {
      closeAll(open);
    }
  });
});

describe("other visitors' request lines on lab streams", () => {
  it(`cost each lab stream at most one timeline frame per ${TIMELINE_TICK_MS} ms tick, however many requests`, async () => {
    const M = 8;
    const N = 400;
    const ip = nextIp();
    const cookie = newVisitor();
    const labs = await Promise.all(Array.from({ length: M }, () => stream(ip, { cookie, lab: true })));
    try {
      for (const one of labs) expect(one.status).toBe(200);
      const timelineFrames = (one: SseStream) => one.frames.filter((frame) => frame.event === "timeline");
      const healthLines = (one: SseStream) =>
        timelineFrames(one).flatMap((frame) =>
          (JSON.parse(frame.data) as RequestLine[]).filter((line) => line.path === "/health"),
        );
      const before = labs.map((one) => timelineFrames(one).length);

      // N requests of another (cookie-less) client, 16 at a time.
      const started = performance.now();
      const statuses = await inBatches(
        Array.from(
          { length: N },
          () => () => fetch(new URL("/health", server.url)).then((response) => response.status),
        ),
        16,
      );
      expect(statuses.every((status) => status === 200)).toBe(true);
      // The last request's line arrives with the next flush; then nothing more is pending.
      const last = await fetch(new URL("/health", server.url));
      expect(last.status).toBe(200);
      await Promise.all(labs.map((one) => one.waitFor(() => healthLines(one).length > 0, 5_000, "a /health line")));
      await new Promise((resolve) => setTimeout(resolve, 3 * TIMELINE_TICK_MS));
      const elapsedMs = performance.now() - started;

      const ticks = Math.ceil(elapsedMs / TIMELINE_TICK_MS) + 1;
      const frames = labs.map((one, index) => timelineFrames(one).length - (before[index] ?? 0));
      const total = frames.reduce((sum, count) => sum + count, 0);
      expect(
        total,
        `${total} timeline frames for ${N + 1} requests over ${Math.round(elapsedMs)} ms (${ticks} ticks) on ${M} streams`,
      ).toBeLessThanOrEqual(M * ticks);
      // Without coalescing each stream would have taken a frame per request.
      for (const count of frames) expect(count).toBeLessThan(N / 4);
      for (const one of labs) {
        for (const frame of timelineFrames(one))
          expect((JSON.parse(frame.data) as RequestLine[]).length).toBeLessThanOrEqual(TIMELINE_BATCH_MAX);
      }
    } finally {
      closeAll(labs);
    }
  });
});

describe("sign-ups per address", () => {
  it("takes 10 an hour from one address, then answers 429 with Retry-After and keeps the typed values", async () => {
    const ip = nextIp();
    for (let index = 0; index < 10; index++) {
      const response = await createBrowser(server.url, { ip }).post("/register", newAccount("limited"));
      expect(response.status, `sign-up ${index + 1}`).toBe(303);
    }
    const refusedAccount = newAccount("refused");
    const refused = await createBrowser(server.url, { ip }).post("/register", refusedAccount);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    const page = await refused.text();
    expect(page).toContain("Too many accounts were created from your network recently.");
    expect(page).toContain(`value="${refusedAccount.username}"`);
    expect(
      await database.db.selectFrom("users").select("id").where("email", "=", refusedAccount.email).executeTakeFirst(),
    ).toBeUndefined();

    // Another address is not held; an IPv6 client is counted by its /64.
    expect((await createBrowser(server.url).post("/register", newAccount("elsewhere"))).status).toBe(303);
    const prefix = `2001:db8:${randomBytes(2).toString("hex")}:1`;
    for (let index = 0; index < 10; index++)
      expect(
        (await createBrowser(server.url, { ip: `${prefix}::${index + 1}` }).post("/register", newAccount("six")))
          .status,
      ).toBe(303);
    expect(
      (await createBrowser(server.url, { ip: `${prefix}:ffff::99` }).post("/register", newAccount("six"))).status,
    ).toBe(429);
  });
});

describe("the lab's database check", () => {
  it("answers 10 lookups a minute from one address, then 429 with Retry-After in the widget", async () => {
    const lab = createBrowser(server.url);
    const lookUp = () =>
      lab.post("/lab?index", { intent: "database-check", email: `nobody_${randomUUID()}@example.com` });
    for (let index = 0; index < 10; index++) expect((await lookUp()).status, `lookup ${index + 1}`).toBe(200);
    const refused = await lookUp();
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(await refused.text()).toContain("Too many account lookups from your network.");
  });
});
