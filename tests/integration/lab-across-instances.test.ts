import { randomBytes, randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { CommandEvent } from "#app/models/lab.ts";
import type { TraceEvent } from "#app/models/trace.ts";
import { formBody, nextIp, type Fields } from "../support/browser.ts";
import { CookieJar } from "../support/cookie-jar.ts";
import type { RunningServer } from "../support/server.ts";
import { openSse, type SseEvent } from "../support/sse-client.ts";
import { twoInstancesOnOneDatabase } from "../support/two-instances.ts";

/**
 * The lab across instances (docs/decisions/0024), two production builds on one database: a tab
 * streaming from A gets the traces of its visitor's requests served by B; the command demo's
 * counter, guarded queue and cancelable work behave as one whichever instance takes each POST;
 * and another visitor, streaming from either instance, sees none of it.
 */
const cluster = twoInstancesOnOneDatabase();

/** One browser: its cookies (the visitor cookie among them) and address, on whichever instance it asks. */
function visitor() {
  const jar = new CookieJar();
  const ip = nextIp();
  const headers = () => ({ "x-forwarded-for": ip, ...(jar.header() ? { cookie: jar.header() as string } : {}) });
  async function send(server: RunningServer, path: string, form?: Fields) {
    const response = await fetch(new URL(path, server.url), {
      method: form ? "POST" : "GET",
      redirect: "manual",
      body: form ? formBody(form) : undefined,
      headers: {
        ...headers(),
        ...(form ? { "content-type": "application/x-www-form-urlencoded", origin: new URL(server.url).origin } : {}),
      },
    });
    await response.text();
    jar.store(response.headers.getSetCookie());
    return { status: response.status, requestId: response.headers.get("x-request-id") ?? "" };
  }
  /** A lab tab's stream on `server`, once the registry says where it is (as it does before any click can come). */
  async function labTab(server: RunningServer) {
    const tab = randomUUID();
    const stream = await openSse(new URL(`/events?${new URLSearchParams({ tab, lab: "1" })}`, server.url), {
      headers: headers(),
    });
    expect(stream.status).toBe(200);
    cluster.streams.push(stream);
    const key = `${jar.get("glassbox_visitor")}:${tab}`;
    await until(
      async () =>
        (await cluster.database.db
          .selectFrom("lab_streams")
          .select("tab_key")
          .where("tab_key", "=", key)
          .executeTakeFirst()) !== undefined,
      "the tab in lab_streams",
    );
    return { tab, stream };
  }
  return { jar, send, labTab, visitorId: () => jar.get("glassbox_visitor") ?? "" };
}

/** A visitor whose cookie came from a lab page on `page`, with a lab tab streaming from `streamOn`. */
async function labVisitor(page: RunningServer, streamOn: RunningServer) {
  const user = visitor();
  await user.send(page, "/lab");
  return { user, ...(await user.labTab(streamOn)) };
}

async function until(check: () => Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

const tracesOf = (frames: readonly SseEvent[]) =>
  frames.filter((frame) => frame.event === "trace").map((frame) => JSON.parse(frame.data) as TraceEvent);
const countersOf = (frames: readonly SseEvent[]) =>
  frames.filter((frame) => frame.event === "counter").map((frame) => JSON.parse(frame.data) as CommandEvent);
const describeCounter = (event: CommandEvent) =>
  event.type === "count" ? `count ${event.count}` : `${event.type} ${event.state}`;

describe("traces", () => {
  it("reach the visitor's tab on A from requests served by B, numbered in A's order, and no other visitor's stream on either", async () => {
    const { a, b } = cluster;
    const owner = visitor();
    await owner.send(a, "/lab");
    const { stream } = await owner.labTab(a);
    const bystander = visitor();
    await bystander.send(b, "/lab");
    const bystanderOnA = await bystander.labTab(a);
    const bystanderOnB = await bystander.labTab(b);

    // B hears of the tab a moment after it is registered: the first probes may go unrelayed, none after.
    const probes: string[] = [];
    await until(async () => {
      probes.push((await owner.send(b, "/lab/probe")).requestId);
      await new Promise((resolve) => setTimeout(resolve, 150));
      return tracesOf(stream.frames).some(
        (event) => event.kind === "request.end" && probes.includes(event.requestId ?? ""),
      );
    }, "a probe served by B in the stream on A");

    const email = `nobody-${randomBytes(4).toString("hex")}@example.com`;
    const lookup = await owner.send(b, "/lab?index", { intent: "database-check", email });
    expect(lookup.status).toBe(200);
    const events = await stream.waitFor(
      (frames) =>
        tracesOf(frames).some((event) => event.kind === "request.end" && event.requestId === lookup.requestId),
      5_000,
      "the lookup's request.end",
    );
    const lookupTrace = tracesOf(events).filter((event) => event.requestId === lookup.requestId);
    expect(lookupTrace.map((event) => event.kind)).toEqual(
      expect.arrayContaining(["action", "service", "sql", "request.end"]),
    );
    // Its SQL text, never its parameters; and relayed events are numbered after what the tab had.
    expect(lookupTrace.filter((event) => event.kind === "sql").every((event) => !event.message.includes(email))).toBe(
      true,
    );
    const seqs = tracesOf(stream.frames).map((event) => event.seq);
    expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
    expect(new Set(seqs).size).toBe(seqs.length);

    // The bystander's streams carry nothing of the owner's: no request id, no visitor id, no address.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const secrets = [...probes, lookup.requestId, owner.visitorId(), email];
    for (const { stream: other } of [bystanderOnA, bystanderOnB]) {
      const text = other.frames.map((frame) => frame.data).join("\n");
      for (const secret of secrets) expect(text).not.toContain(secret);
    }
    // Where the owner's requests were served, the bystander saw them, as anonymous lines only.
    const lines = bystanderOnB.stream.frames
      .filter((frame) => frame.event === "timeline")
      .flatMap((frame) => JSON.parse(frame.data) as Record<string, unknown>[]);
    expect(lines.some((line) => line.path === "/lab/probe")).toBe(true);
    for (const line of lines)
      expect(Object.keys(line).sort()).toEqual(["flow", "latencyMs", "method", "path", "seq", "status", "time"]);
  });
});

describe("the command demo", () => {
  it("keeps one counter, max(0, count + delta), whichever instance takes each step, and pushes it to the tab on A", async () => {
    const { a, b } = cluster;
    const { user, tab, stream } = await labVisitor(a, a);
    const deltas = [5, -3, -10, 4, -1, -100, 7];
    const expected = [5, 2, 0, 4, 3, 0, 7];
    for (const [index, delta] of deltas.entries()) {
      expect(
        (await user.send(index % 2 ? a : b, "/lab?index", { intent: "step", delta: String(delta), tab })).status,
      ).toBe(200);
    }
    await stream.waitFor((frames) => countersOf(frames).length === deltas.length, 5_000, "every count");
    expect(countersOf(stream.frames)).toEqual(expected.map((count) => ({ type: "count", count })));

    // Without JavaScript (no tab): 20 steps at once, half on each instance, none lost.
    const steps = Array.from({ length: 20 }, (_, index) =>
      user.send(index % 2 ? a : b, "/lab?index", { intent: "step", delta: "1" }),
    );
    expect((await Promise.all(steps)).map((response) => response.status)).toEqual(Array(20).fill(303));
    const row = await cluster.database.db
      .selectFrom("lab_counters")
      .select("count")
      .where("visitor_id", "=", user.visitorId())
      .executeTakeFirstOrThrow();
    expect(row.count).toBe(27);
  });

  it("answers 428 on either instance for a tab whose stream is open nowhere", async () => {
    const { a, b } = cluster;
    const user = visitor();
    await user.send(a, "/lab");
    for (const server of [a, b])
      expect((await user.send(server, "/lab?index", { intent: "step", delta: "1", tab: randomUUID() })).status).toBe(
        428,
      );
  });

  it("queues a guarded action posted to B behind one running from A, for the same tab", async () => {
    const { a, b } = cluster;
    const { user, tab, stream } = await labVisitor(b, a);
    const first = user.send(a, "/lab?index", { intent: "guarded", tab });
    await stream.waitFor(
      (frames) => countersOf(frames).some((event) => event.type === "guarded" && event.state === "running"),
      5_000,
      "the first guarded running",
    );
    const second = user.send(b, "/lab?index", { intent: "guarded", tab });
    expect((await Promise.all([first, second])).map((response) => response.status)).toEqual([200, 200]);
    await stream.waitFor((frames) => countersOf(frames).length === 5, 5_000, "both guarded actions");
    expect(countersOf(stream.frames).map(describeCounter)).toEqual([
      "guarded running",
      "guarded queued",
      "guarded done",
      "guarded running",
      "guarded done",
    ]);
    expect(
      countersOf(stream.frames).flatMap((event) =>
        event.type === "guarded" && event.state === "done" ? [event.count] : [],
      ),
    ).toEqual([1, 2]);
  });

  it("cancels the cancelable work running on A when the tab's next one is posted to B, at once", async () => {
    const { a, b } = cluster;
    const { user, tab, stream } = await labVisitor(a, a);
    const first = user.send(a, "/lab?index", { intent: "cancelable", tab });
    await stream.waitFor((frames) => countersOf(frames).length === 1, 5_000, "the first started");
    const posted = performance.now();
    const second = user.send(b, "/lab?index", { intent: "cancelable", tab });
    await stream.waitFor(
      (frames) => countersOf(frames).some((event) => event.type === "cancelable" && event.state === "cancelled"),
      5_000,
      "the first cancelled",
    );
    // Told through LISTEN/NOTIFY, not found out when its three seconds are up.
    expect(performance.now() - posted).toBeLessThan(1_500);
    await Promise.all([first, second]);
    await stream.waitFor((frames) => countersOf(frames).length === 4, 5_000, "the second done");
    // The second's "started" comes from B, the first's "cancelled" from A: either may arrive first.
    const told = countersOf(stream.frames).map(describeCounter);
    expect([told[0], told[3]]).toEqual(["cancelable started", "cancelable done"]);
    expect(told.slice(1, 3).sort()).toEqual(["cancelable cancelled", "cancelable started"]);
  });
});
