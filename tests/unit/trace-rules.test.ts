import { describe, expect, it } from "vitest";
import { flowsOf } from "#app/models/timeline.ts";
import {
  isLive,
  RingBuffer,
  TRACE_LIMITS,
  traceKinds,
  tracePath,
  type RequestLine,
  type TraceEvent,
  type TraceKind,
} from "#app/models/trace.ts";
import { createTracer, type TraceSink } from "#app/services/trace.server.ts";

/** The trace pipeline's pure rules: ring buffers, kind classification, paths, and the timeline's flows. */

describe("RingBuffer", () => {
  it("keeps items oldest first until it is full", () => {
    const ring = new RingBuffer<number>(5);
    expect(ring.size).toBe(0);
    expect(ring.toArray()).toEqual([]);
    for (const n of [1, 2, 3]) ring.push(n);
    expect(ring.size).toBe(3);
    expect(ring.toArray()).toEqual([1, 2, 3]);
  });

  it("keeps only the newest `capacity` items, in order, however often it wraps", () => {
    const ring = new RingBuffer<number>(5);
    for (let n = 1; n <= 5; n++) ring.push(n);
    expect(ring.toArray()).toEqual([1, 2, 3, 4, 5]);
    ring.push(6);
    expect(ring.toArray()).toEqual([2, 3, 4, 5, 6]);
    for (let n = 7; n <= 10_003; n++) {
      ring.push(n);
      expect(ring.size).toBe(5);
    }
    expect(ring.toArray()).toEqual([9_999, 10_000, 10_001, 10_002, 10_003]);
    expect(ring.capacity).toBe(5);
  });

  it("works with a capacity of one, and toArray returns a copy", () => {
    const ring = new RingBuffer<string>(1);
    ring.push("a");
    ring.push("b");
    expect(ring.toArray()).toEqual(["b"]);
    const copy = ring.toArray();
    copy.push("c");
    expect(ring.toArray()).toEqual(["b"]);
  });

  it("has the caps DESIGN.md names", () => {
    expect(TRACE_LIMITS).toMatchObject({ perRequest: 50, perSession: 50, global: 50, diagnostic: 100 });
  });
});

describe("trace kinds", () => {
  it("classifies every kind as live or diagnostic, as DESIGN.md says", () => {
    expect(traceKinds).toEqual({
      "request.start": "diagnostic",
      "request.end": "live",
      loader: "live",
      action: "live",
      service: "live",
      sql: "live",
      "sse.push": "live",
      "chat.incoming": "live",
      "chat.broadcast": "live",
      "page.cache": "live",
      "framework.handler": "diagnostic",
      "framework.middleware": "diagnostic",
    });
    for (const [kind, rule] of Object.entries(traceKinds))
      expect(isLive(kind as TraceKind), kind).toBe(rule === "live");
  });

  const kinds = Object.keys(traceKinds) as TraceKind[];
  const diagnosticKinds = kinds.filter((kind) => !isLive(kind));
  const liveKinds = kinds.filter(isLive);

  function recordingSink() {
    const seen = {
      own: [] as TraceEvent[],
      lines: [] as { line: RequestLine; visitorId: string | null }[],
      system: [] as TraceEvent[],
    };
    const sink: TraceSink = {
      own: (visitorId, event) => seen.own.push({ ...event, fields: { ...event.fields, to: visitorId } }),
      line: (line, visitorId) => seen.lines.push({ line, visitorId }),
      system: (event) => seen.system.push(event),
    };
    return { seen, sink };
  }

  it("streams live kinds to the visitor's sinks and keeps diagnostic ones (request.start included) for the diagnostic view only", () => {
    expect(diagnosticKinds).toContain("request.start");
    const tracer = createTracer();
    const { seen, sink } = recordingSink();
    tracer.subscribe(sink);
    const scope = tracer.runRequest(
      { requestId: "req-1", visitorId: "visitor-1", method: "GET", path: "/lab", source: "document" },
      () => {
        for (const kind of kinds) tracer.record(kind, `a ${kind}`);
      },
    );
    // Live kinds: to the visitor's sink, the request's ring and the visitor's buffer.
    expect(seen.own.map((event) => event.kind)).toEqual(liveKinds);
    expect(
      seen.own.every(
        (event) => event.fields.to === "visitor-1" && event.requestId === "req-1" && event.request === "GET /lab",
      ),
    ).toBe(true);
    expect(scope.events.toArray().map((event) => event.kind)).toEqual(liveKinds);
    expect(tracer.snapshot("visitor-1").own.map((event) => event.kind)).toEqual(liveKinds);
    // Diagnostic kinds (and the request's own start): nowhere but the diagnostic view.
    expect(tracer.diagnostics("visitor-1").map((event) => event.kind)).toEqual(["request.start", ...diagnosticKinds]);
    // Diagnostic events are shown to their own visitor only.
    expect(tracer.diagnostics("visitor-2")).toEqual([]);
    expect(tracer.diagnostics(null)).toEqual([]);
    expect(seen.system).toEqual([]);
    expect(seen.lines).toEqual([]);
  });

  it("never sends a diagnostic kind to a sink, inside or outside a request", () => {
    const tracer = createTracer();
    const { seen, sink } = recordingSink();
    tracer.subscribe(sink);
    for (const kind of diagnosticKinds) tracer.record(kind, "outside");
    tracer.runRequest({ requestId: "req-2", visitorId: null, method: "GET", path: "/", source: "document" }, () => {
      for (const kind of diagnosticKinds) tracer.record(kind, "anonymous");
    });
    expect([...seen.own, ...seen.system]).toEqual([]);
    // Outside a request, live kinds are the server's own work: every lab tab may see them.
    for (const kind of liveKinds) tracer.record(kind, "server work");
    expect(seen.system.map((event) => event.kind)).toEqual(liveKinds);
    expect(
      seen.system.every((event) => event.requestId === null && event.request === null && event.userId === null),
    ).toBe(true);
    expect(seen.own).toEqual([]);
  });

  it("sends a finished request to every sink as an anonymous line: no ids, a random flow, the path without its query", () => {
    let clock = Date.parse("2026-01-01T00:00:00Z");
    const tracer = createTracer({ now: () => clock });
    const { seen, sink } = recordingSink();
    tracer.subscribe(sink);
    const scope = tracer.runRequest(
      {
        requestId: "req-3",
        visitorId: "visitor-3",
        method: "POST",
        path: tracePath("/lab?index&email=a@b.c"),
        source: "form",
      },
      () => {
        tracer.identify("user-3");
        tracer.sql("select 1 where email = $1", 1.25, false);
      },
    );
    clock += 5;
    tracer.endRequest(scope, 200);
    expect(seen.lines).toHaveLength(1);
    const { line, visitorId } = seen.lines[0] as { line: RequestLine; visitorId: string | null };
    expect(visitorId).toBe("visitor-3"); // so the hub can leave the visitor's own tabs out
    expect(Object.keys(line).sort()).toEqual(["flow", "latencyMs", "method", "path", "seq", "status", "time"]);
    expect(line).toMatchObject({ method: "POST", path: "/lab", status: 200, time: "2026-01-01T00:00:00.005Z" });
    expect(line.flow).toMatch(/^[A-Za-z0-9_-]{8}$/);
    expect(line.flow).not.toBe("req-3");
    expect(JSON.stringify(line)).not.toMatch(/req-3|visitor-3|user-3|select|a@b\.c/);
    // The visitor's own request end, with its user once identified; SQL keeps its text and time only.
    const end = seen.own.at(-1);
    expect(end).toMatchObject({
      kind: "request.end",
      requestId: "req-3",
      userId: "user-3",
      fields: { method: "POST", path: "/lab", status: 200, source: "form" },
    });
    expect(seen.own[0]).toMatchObject({ kind: "sql", message: "select 1 where email = $1", fields: { ms: 1.3 } });
    expect(scope.dbMs).toBe(1.25);
    expect(tracer.stats().openRequests).toBe(0);
  });
});

describe("a visitor's snapshot", () => {
  it("has the visitor's own events and the request lines of everyone else, not the visitor's own", () => {
    const tracer = createTracer();
    const visit = (visitorId: string | null, path: string) => {
      const scope = tracer.runRequest(
        { requestId: `req-${path}`, visitorId, method: "GET", path, source: "document" },
        () => tracer.sql(`select '${path}'`, 1, false),
      );
      tracer.endRequest(scope, 200);
    };
    visit("ada", "/ada-1");
    visit("bob", "/bob-1");
    visit(null, "/first-visit");
    visit("ada", "/ada-2");
    const paths = (visitorId: string | null) => tracer.snapshot(visitorId).others.map((line) => line.path);
    expect(paths("ada")).toEqual(["/bob-1", "/first-visit"]);
    expect(paths("bob")).toEqual(["/ada-1", "/first-visit", "/ada-2"]);
    expect(paths("carol")).toEqual(["/ada-1", "/bob-1", "/first-visit", "/ada-2"]);
    expect(paths(null)).toEqual(["/ada-1", "/bob-1", "/first-visit", "/ada-2"]);
    expect(tracer.snapshot("ada").own.map((event) => event.request)).toEqual([
      "GET /ada-1",
      "GET /ada-1",
      "GET /ada-2",
      "GET /ada-2",
    ]);
    expect(tracer.snapshot("carol").own).toEqual([]);
  });
});

describe("tracePath", () => {
  it("drops the query string, whatever it carries", () => {
    expect(tracePath("/lab?filter=ada@example.com")).toBe("/lab");
    expect(tracePath("/reset?token=secret&next=/account")).toBe("/reset");
    expect(tracePath("/lab.data?index&_routes=routes/lab._index")).toBe("/lab");
    expect(tracePath("/_root.data")).toBe("/");
    expect(tracePath("/a?b?c")).toBe("/a");
    expect(tracePath("/events?tab=8d7b1d5e-0b0a-4b4e-9c7e-1c2d3e4f5a6b&lab=1")).toBe("/events");
    expect(tracePath("/plain/path")).toBe("/plain/path");
    expect(tracePath("/")).toBe("/");
  });

  it("cuts a long path at 200 characters", () => {
    const long = `/${"x".repeat(300)}`;
    expect(tracePath(long)).toHaveLength(200);
    expect(tracePath(long).endsWith("…")).toBe(true);
    expect(tracePath(`/${"y".repeat(199)}`)).toBe(`/${"y".repeat(199)}`);
    expect(tracePath(`/short?${"q".repeat(500)}`)).toBe("/short");
  });
});

describe("flowsOf", () => {
  let seq = 0;
  const event = (requestId: string | null, request: string | null, kind: TraceKind = "sql"): TraceEvent => ({
    seq: ++seq,
    time: new Date(seq * 1000).toISOString(),
    level: "info",
    kind,
    message: `${kind} ${seq}`,
    requestId,
    request,
    userId: null,
    fields: {},
  });
  const line = (method: string, path: string): RequestLine => ({
    seq: ++seq,
    time: new Date(seq * 1000).toISOString(),
    flow: `flow${seq}`,
    method,
    path,
    status: 200,
    latencyMs: 1,
  });

  it("groups the visitor's events by request, titled METHOD path, newest first; others' requests and server work are flows of their own", () => {
    seq = 0;
    const a1 = event("a", "GET /lab", "loader");
    const server = event(null, null, "chat.broadcast");
    const b1 = event("b", "POST /chat", "action");
    const other = line("GET", "/work");
    const a2 = event("a", "GET /lab", "request.end");
    const b2 = event("b", "POST /chat", "request.end");
    const flows = flowsOf({ events: [a1, server, b1, a2, b2], lines: [other] }, "");
    expect(flows.map((flow) => flow.title)).toEqual(["POST /chat", "GET /lab", "GET /work", "server: chat.broadcast"]);
    expect(flows.map((flow) => flow.key)).toEqual(["b", "a", `line-${other.flow}`, `server-${server.seq}`]);
    expect(flows[0]?.events).toEqual([b1, b2]);
    expect(flows[1]?.events).toEqual([a1, a2]);
    expect(flows[1]?.latest).toBe(a2.seq);
    expect(flows[2]).toMatchObject({ events: [], line: other, latest: other.seq });
    // Every event of the server's own work is its own flow.
    const two = flowsOf({ events: [event(null, null, "sse.push"), event(null, null, "sse.push")], lines: [] }, "");
    expect(two).toHaveLength(2);
  });

  it("shows at most 20 flows, the newest, unless told otherwise", () => {
    seq = 0;
    const events = Array.from({ length: 30 }, (_, i) => event(`r${i}`, `GET /page/${i}`));
    const flows = flowsOf({ events, lines: [] }, "");
    expect(flows).toHaveLength(20);
    expect(flows.map((flow) => flow.key)).toEqual(Array.from({ length: 20 }, (_, i) => `r${29 - i}`));
    expect(flowsOf({ events, lines: [] }, "", 5).map((flow) => flow.key)).toEqual(["r29", "r28", "r27", "r26", "r25"]);
    expect(flowsOf({ events: events.slice(0, 3), lines: [] }, "")).toHaveLength(3);
  });

  it("hides flows whose title holds any comma-separated term: case-insensitive, trimmed, empty terms ignored", () => {
    seq = 0;
    const events = [
      event("1", "GET /events"),
      event("2", "GET /lab/probe"),
      event("3", "POST /lab"),
      event("4", "GET /lab"),
    ];
    const lines = [line("GET", "/Events"), line("POST", "/chat")];
    const titles = (filter: string) => flowsOf({ events, lines }, filter).map((flow) => flow.title);
    const all = ["POST /chat", "GET /Events", "GET /lab", "POST /lab", "GET /lab/probe", "GET /events"];
    expect(titles("")).toEqual(all);
    expect(titles("/events")).toEqual(["POST /chat", "GET /lab", "POST /lab", "GET /lab/probe"]);
    expect(titles("  /EVENTS ,  /lab/probe  ")).toEqual(["POST /chat", "GET /lab", "POST /lab"]);
    expect(titles("post")).toEqual(["GET /Events", "GET /lab", "GET /lab/probe", "GET /events"]);
    // Empty terms (stray commas, blanks) hide nothing.
    expect(titles(",")).toEqual(all);
    expect(titles(" , ,,")).toEqual(all);
    expect(titles(",/events,")).toEqual(titles("/events"));
    expect(titles("/nothing-matches")).toEqual(all);
  });

  it("filters before it limits: hidden flows do not take places among the 20", () => {
    seq = 0;
    const older = Array.from({ length: 20 }, (_, i) => event(`page${i}`, `GET /page/${i}`));
    const newer = Array.from({ length: 10 }, (_, i) => event(`probe${i}`, "GET /lab/probe"));
    const flows = flowsOf({ events: [...older, ...newer], lines: [] }, "/lab/probe");
    expect(flows).toHaveLength(20);
    expect(flows.every((flow) => flow.title.startsWith("GET /page/"))).toBe(true);
  });
});
