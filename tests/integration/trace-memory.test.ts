import { randomBytes } from "node:crypto";
import { Agent, createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import express, { type RequestHandler } from "express";
import { afterEach, describe, expect, it } from "vitest";
import { TRACE_LIMITS, type RequestLine, type TraceEvent } from "#app/models/trace.ts";
import { createTracer, type RequestScope, type Tracer } from "#app/services/trace.server.ts";
import { requestId } from "#server/http/request-id.ts";
import { requestTrace } from "#server/http/request-trace.ts";
import { visitorCookie } from "#server/http/visitor.ts";
import { inBatches } from "../support/browser.ts";
import { CookieJar } from "../support/cookie-jar.ts";

/**
 * The trace pipeline's memory stays bounded whatever the traffic (DESIGN.md: ring buffers per
 * request 50, per session 50, global 50, diagnostic 100; at most TRACE_LIMITS.sessions visitors).
 * The real tracer behind the real Express middlewares (request id, visitor cookie, request trace)
 * in an in-process node:http server, driven over keep-alive connections by many cookie jars; only
 * the tracer's clock is injected, to let visitors go idle without waiting half an hour.
 */
const VISITOR_COOKIE = "glassbox_visitor";
const IDLE_MS = 30 * 60_000;
const CONCURRENCY = 50;

interface Sample {
  readonly openRequests: number;
  readonly sessions: number;
  readonly largestSession: number;
  readonly lines: number;
  readonly diagnostic: number;
}

interface Harness {
  readonly tracer: Tracer;
  /** The tracer's clock: only moves when a test moves it. */
  readonly clock: { now: number };
  /** tracer.stats() as the handlers saw it, mid-request, every `sampleEvery` requests. */
  readonly samples: Sample[];
  /** The scope of the last `/many` request, and its events as the handler saw them. */
  lastScope?: RequestScope;
  lastEvents?: TraceEvent[];
  /** Sinks see what the hub would stream: counted, not kept. */
  readonly sunk: { own: number; lines: number; system: number };
  get(path: string, jar: CookieJar): Promise<number>;
  close(): Promise<void>;
}

const running: Harness[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((harness) => harness.close()));
});

/** The app's own work inside a request: SQL statements and service steps, recorded through the tracer. */
function appHandler(
  harness: { tracer: Tracer; samples: Sample[]; lastScope?: RequestScope; lastEvents?: TraceEvent[] },
  sampleEvery: number,
): RequestHandler {
  let handled = 0;
  return (req, res) => {
    const { tracer } = harness;
    handled += 1;
    if (req.path === "/many") {
      // One request that records far more than its ring keeps.
      for (let i = 0; i < 200; i++) tracer.sql(`select ${i} /* statement ${i} */`, 0.01, false);
      harness.lastScope = tracer.current();
      harness.lastEvents = harness.lastScope?.events.toArray();
      res.status(200).end("many");
      return;
    }
    tracer.identify(`user-${req.path.slice(1)}`);
    tracer.sql('select "id" from "sessions" where "id" = $1', 0.2, false);
    void tracer
      .step("lab.work", async () => {
        await new Promise<void>((resolve) => setImmediate(resolve));
        tracer.sql('update "sessions" set "last_seen_at" = now() where "id" = $1', 0.3, handled % 97 === 0);
      })
      .then(() => {
        if (handled % sampleEvery === 0) {
          const { openRequests, sessions, largestSession, lines, diagnostic } = tracer.stats();
          harness.samples.push({ openRequests, sessions, largestSession, lines, diagnostic });
        }
        res.status(handled % 89 === 0 ? 404 : 200).end("ok");
      });
  };
}

async function startHarness({ sampleEvery = 250 } = {}): Promise<Harness> {
  const clock = { now: Date.now() };
  const tracer = createTracer({ sessionIdleMs: IDLE_MS, now: () => clock.now });
  const sunk = { own: 0, lines: 0, system: 0 };
  tracer.subscribe({
    own: () => void (sunk.own += 1),
    line: () => void (sunk.lines += 1),
    system: () => void (sunk.system += 1),
  });
  const harness: Omit<Harness, "get" | "close"> = { tracer, clock, samples: [], sunk };
  const app = express();
  app.disable("x-powered-by");
  app.use(requestId);
  app.use(visitorCookie({ secure: false }));
  app.use(requestTrace(tracer, () => false));
  app.use(appHandler(harness, sampleEvery));
  const server: Server = createServer(app);
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });

  const get = (path: string, jar: CookieJar) =>
    new Promise<number>((resolve, reject) => {
      const cookie = jar.header();
      const req = request(
        { host: "127.0.0.1", port, path, agent, headers: { accept: "text/html", ...(cookie ? { cookie } : {}) } },
        (res) => {
          jar.store(res.headers["set-cookie"]);
          res.resume();
          res.once("end", () => resolve(res.statusCode ?? 0));
          res.once("error", reject);
        },
      );
      req.once("error", reject);
      req.end();
    });

  const full: Harness = Object.assign(harness, {
    get,
    async close() {
      agent.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  });
  running.push(full);
  return full;
}

function expectWithinCaps(sizes: Sample, where: string) {
  expect(sizes.openRequests, `${where}: open requests`).toBeGreaterThanOrEqual(0);
  expect(sizes.openRequests, `${where}: open requests`).toBeLessThanOrEqual(CONCURRENCY);
  expect(sizes.sessions, `${where}: visitors`).toBeLessThanOrEqual(TRACE_LIMITS.sessions);
  expect(sizes.largestSession, `${where}: largest visitor buffer`).toBeLessThanOrEqual(TRACE_LIMITS.perSession);
  expect(sizes.lines, `${where}: request lines`).toBeLessThanOrEqual(TRACE_LIMITS.global);
  expect(sizes.diagnostic, `${where}: diagnostic`).toBeLessThanOrEqual(TRACE_LIMITS.diagnostic);
}

/** Waits for the `close` listeners (endRequest) of responses the clients already read. */
async function settled(tracer: Tracer) {
  await expect.poll(() => tracer.stats().openRequests, { timeout: 5_000, interval: 10 }).toBe(0);
  return tracer.stats();
}

const jars = (count: number) => Array.from({ length: count }, () => new CookieJar());
const visitorOf = (jar: CookieJar) => jar.get(VISITOR_COOKIE) as string;

describe("the trace pipeline under load", () => {
  it(
    "keeps every buffer and the visitor map within TRACE_LIMITS over 20,000 requests from 500 visitors, and forgets idle visitors",
    { timeout: 60_000 },
    async () => {
      expect(TRACE_LIMITS).toEqual({ perRequest: 50, perSession: 50, global: 50, diagnostic: 100, sessions: 1_000 });
      const harness = await startHarness();
      const { tracer } = harness;
      const visitors = jars(500);
      const started = performance.now();

      // Each visitor's first request gets its cookie (and is traced anonymously); once every visitor has
      // one, round-robin, the other 39 requests of each are its own: 20,000 in all.
      const request = (index: number) => () => harness.get(`/${index % 500}`, visitors[index % 500] as CookieJar);
      const first = await inBatches(
        Array.from({ length: 500 }, (_, index) => request(index)),
        CONCURRENCY,
      );
      expect(visitors.every((jar) => visitorOf(jar) !== undefined)).toBe(true);
      const rest = await inBatches(
        Array.from({ length: 19_500 }, (_, index) => request(index)),
        CONCURRENCY,
      );
      const statuses = [...first, ...rest];
      const elapsed = performance.now() - started;
      expect(statuses.filter((status) => status !== 200 && status !== 404)).toEqual([]);
      expect(new Set(visitors.map(visitorOf)).size).toBe(500);

      // Mid-run: the handlers sampled the sizes while other requests were in flight.
      expect(harness.samples.length).toBeGreaterThanOrEqual(75);
      for (const [index, sample] of harness.samples.entries()) expectWithinCaps(sample, `sample ${index}`);
      expect(Math.max(...harness.samples.map((sample) => sample.openRequests))).toBeGreaterThan(1); // there was real concurrency

      const after = await settled(tracer);
      expectWithinCaps(after, "after the run");
      // Every buffer is full, and no fuller: the caps are what holds them, not a lack of traffic.
      expect(after).toMatchObject({
        openRequests: 0,
        sessions: 500,
        largestSession: TRACE_LIMITS.perSession,
        lines: TRACE_LIMITS.global,
        diagnostic: TRACE_LIMITS.diagnostic,
      });
      for (const [index, jar] of visitors.entries()) {
        const { own, others } = tracer.snapshot(visitorOf(jar));
        expect(own.length).toBe(TRACE_LIMITS.perSession);
        // The last 50 lines are of 50 different visitors: at most one of them is this visitor's own.
        expect(others.length).toBeGreaterThanOrEqual(TRACE_LIMITS.global - 1);
        expect(others.length).toBeLessThanOrEqual(TRACE_LIMITS.global);
        // A visitor's buffer holds that visitor's requests only.
        expect(own.filter((event) => event.request !== `GET /${index}`)).toEqual([]);
      }
      expect(tracer.snapshot(null).others).toHaveLength(TRACE_LIMITS.global);
      expect(tracer.stats().diagnostic).toBe(TRACE_LIMITS.diagnostic);
      // Sinks saw every request's end line (the hub streams them), while the tracer kept only 50.
      expect(harness.sunk.lines).toBe(20_000);
      expect(harness.sunk).toEqual({ own: 19_500 * 4, lines: 20_000, system: 0 });

      // Half an hour (and a moment) later, one visitor's request: everyone idle is forgotten.
      harness.clock.now += IDLE_MS + 1;
      const latecomer = new CookieJar();
      latecomer.store([`${VISITOR_COOKIE}=${randomBytes(16).toString("base64url")}`]);
      expect(await harness.get("/latecomer", latecomer)).toBe(200);
      const idle = await settled(tracer);
      expect(idle).toMatchObject({ openRequests: 0, sessions: 1 });
      expect(idle.largestSession).toBeLessThanOrEqual(TRACE_LIMITS.perSession);
      for (const jar of visitors) expect(tracer.snapshot(visitorOf(jar)).own).toEqual([]);
      expect(tracer.snapshot(visitorOf(latecomer)).own.map((event) => event.kind)).toEqual([
        "sql",
        "sql",
        "service",
        "request.end",
      ]);
      console.info(
        `trace-memory: 20,000 requests from 500 visitors in ${Math.round(elapsed)} ms (${Math.round(20_000_000 / elapsed)} req/s)`,
      );
    },
  );

  it(
    "keeps at most TRACE_LIMITS.sessions visitors, forgetting the least recently active first (1,500 visitors)",
    { timeout: 60_000 },
    async () => {
      const harness = await startHarness({ sampleEvery: 100 });
      const { tracer } = harness;
      const visitors = jars(1_500);
      // Cookies first (anonymous requests keep no per-visitor state).
      await inBatches(
        visitors.map((jar, index) => () => harness.get(`/${index}`, jar)),
        CONCURRENCY,
      );
      expect((await settled(tracer)).sessions).toBe(0);
      // Then three waves of 500 returning visitors, one wave after the other, all within the idle time.
      for (let wave = 0; wave < 3; wave++) {
        const members = visitors.slice(wave * 500, wave * 500 + 500);
        await inBatches(
          members.map((jar, index) => () => harness.get(`/${wave * 500 + index}`, jar)),
          CONCURRENCY,
        );
        const sizes = await settled(tracer);
        expectWithinCaps(sizes, `after wave ${wave + 1}`);
        expect(sizes.sessions).toBe(Math.min((wave + 1) * 500, TRACE_LIMITS.sessions));
        harness.clock.now += 1_000;
      }
      for (const [index, sample] of harness.samples.entries()) expectWithinCaps(sample, `sample ${index}`);
      // The first wave is the least recently active: it is the one forgotten.
      const kept = (jar: CookieJar) => tracer.snapshot(visitorOf(jar)).own.length > 0;
      expect(visitors.slice(0, 500).filter(kept)).toHaveLength(0);
      expect(visitors.slice(500).filter(kept)).toHaveLength(1_000);
      // A forgotten visitor who comes back starts afresh, and pushes out the least recently active one.
      const lastSeq = (jar: CookieJar) => tracer.snapshot(visitorOf(jar)).own.at(-1)?.seq ?? Infinity;
      const victim = visitors.slice(500).reduce((least, jar) => (lastSeq(jar) < lastSeq(least) ? jar : least));
      const returning = visitors[0] as CookieJar;
      expect(await harness.get("/0", returning)).toBe(200);
      const sizes = await settled(tracer);
      expect(sizes.sessions).toBe(TRACE_LIMITS.sessions);
      expect(tracer.snapshot(visitorOf(returning)).own.map((event) => event.kind)).toEqual([
        "sql",
        "sql",
        "service",
        "request.end",
      ]);
      expect(kept(victim)).toBe(false);
      expect(visitors.slice(500).filter(kept)).toHaveLength(999);
    },
  );

  it("keeps the newest 50 events of a request that records 200, and only 50 of them for its visitor", async () => {
    const harness = await startHarness();
    const { tracer } = harness;
    const jar = new CookieJar();
    expect(await harness.get("/many", jar)).toBe(200); // anonymous: the cookie is set now
    expect(harness.lastScope?.events.size).toBe(TRACE_LIMITS.perRequest);
    expect(await harness.get("/many", jar)).toBe(200);
    const scope = harness.lastScope as RequestScope;
    const events = harness.lastEvents ?? [];
    expect(events).toHaveLength(TRACE_LIMITS.perRequest);
    // In the handler, the request's ring held its last 50 statements, oldest first.
    expect(events.map((event) => event.message)).toEqual(
      Array.from({ length: 50 }, (_, i) => `select ${150 + i} /* statement ${150 + i} */`),
    );
    expect(events.every((event) => event.requestId === scope.requestId)).toBe(true);
    const stats = await settled(tracer);
    expect(stats).toMatchObject({ sessions: 1, largestSession: TRACE_LIMITS.perSession, diagnostic: 2 });
    // The visitor's buffer: the newest 50 of its events, ending with the request's end.
    const own = tracer.snapshot(visitorOf(jar)).own;
    expect(own).toHaveLength(TRACE_LIMITS.perSession);
    expect(own.map((event) => event.kind)).toEqual([...Array<string>(49).fill("sql"), "request.end"]);
    expect(own.at(-2)?.message).toBe("select 199 /* statement 199 */");
    expect(own.map((event) => event.seq)).toEqual([...own.map((event) => event.seq)].sort((x, y) => x - y));
    // The scope's ring also took the request's end event and stayed at 50.
    expect(scope.events.size).toBe(TRACE_LIMITS.perRequest);
    expect(scope.events.toArray().at(-1)?.kind).toBe("request.end");
    const lines: RequestLine[] = tracer.snapshot(null).others;
    expect(lines.map((line) => line.path)).toEqual(["/many", "/many"]);
  });
});
