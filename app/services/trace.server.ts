import { AsyncLocalStorage } from "node:async_hooks";
import { randomBytes } from "node:crypto";
import {
  isLive,
  RingBuffer,
  TRACE_LIMITS,
  type RequestLine,
  type RequestSource,
  type SqlPool,
  type TraceEvent,
  type TraceFieldValue,
  type TraceKind,
  type TraceLevel,
} from "#app/models/trace.ts";

/**
 * The trace pipeline: the server opens a request scope (AsyncLocalStorage) for every request, and
 * anything that runs inside it — a loader, a service step, an SQL statement — records trace events
 * into it without being handed anything. Events are kept in bounded ring buffers (per request, per
 * visitor, the public request lines, the diagnostic view) and handed to sinks (the realtime hub,
 * which streams them to the visitor's lab tabs).
 */
export interface RequestScope {
  readonly requestId: string;
  /** The visitor cookie's id: whose traces these are. Null when the client keeps no cookies. */
  readonly visitorId: string | null;
  userId: string | null;
  readonly method: string;
  readonly path: string;
  source: RequestSource;
  readonly startedAt: number;
  /** Time spent in SQL statements so far (Server-Timing `db`). */
  dbMs: number;
  readonly events: RingBuffer<TraceEvent>;
}

/** Where live events go as they happen. */
export interface TraceSink {
  /** A visitor's own event: only that visitor's tabs may see it. `relayed`: it happened on another instance. */
  own(visitorId: string, event: TraceEvent, relayed: boolean): void;
  /** A finished request as every other visitor may see it (no ids, no SQL). */
  line(line: RequestLine, visitorId: string | null): void;
  /** The server's own work, outside any request (a broadcast): it names no visitor. */
  system(event: TraceEvent): void;
}

export interface TracerOptions {
  /** A visitor's traces are forgotten after this long without a request. */
  readonly sessionIdleMs?: number;
  readonly now?: () => number;
}

const DEFAULT_SESSION_IDLE_MS = 30 * 60_000;
const MAX_SQL_CHARS = 500;

export function createTracer({ sessionIdleMs = DEFAULT_SESSION_IDLE_MS, now = Date.now }: TracerOptions = {}) {
  const storage = new AsyncLocalStorage<RequestScope>();
  // Map order is recency order: a visitor is moved to the end on every event.
  const sessions = new Map<string, { readonly events: RingBuffer<TraceEvent>; lastActive: number }>();
  // Each line remembers whose request it was (never sent anywhere), so a visitor's snapshot can leave
  // out their own requests, as the live stream does: those are already theirs in full.
  const lines = new RingBuffer<{ readonly line: RequestLine; readonly visitorId: string | null }>(TRACE_LIMITS.global);
  // Each diagnostic event remembers whose request it was: the diagnostic view shows a visitor their own only.
  const diagnostic = new RingBuffer<{ readonly event: TraceEvent; readonly visitorId: string | null }>(
    TRACE_LIMITS.diagnostic,
  );
  const sinks = new Set<TraceSink>();
  let seq = 0;
  let openRequests = 0;

  function sessionOf(visitorId: string) {
    const at = now();
    let session = sessions.get(visitorId);
    if (session) sessions.delete(visitorId);
    else session = { events: new RingBuffer<TraceEvent>(TRACE_LIMITS.perSession), lastActive: at };
    session.lastActive = at;
    sessions.set(visitorId, session);
    for (const [id, other] of sessions) {
      if (sessions.size <= TRACE_LIMITS.sessions && other.lastActive > at - sessionIdleMs) break;
      sessions.delete(id);
    }
    return session;
  }

  function record(
    kind: TraceKind,
    message: string,
    fields: Record<string, TraceFieldValue> = {},
    level: TraceLevel = "info",
    scope = storage.getStore(),
  ): TraceEvent {
    const event: TraceEvent = {
      seq: ++seq,
      time: new Date(now()).toISOString(),
      level,
      kind,
      message,
      requestId: scope?.requestId ?? null,
      request: scope ? `${scope.method} ${scope.path}` : null,
      userId: scope?.userId ?? null,
      fields,
    };
    if (!isLive(kind)) diagnostic.push({ event, visitorId: scope?.visitorId ?? null });
    else if (!scope) {
      diagnostic.push({ event, visitorId: null });
      for (const sink of sinks) sink.system(event);
    } else {
      scope.events.push(event);
      if (scope.visitorId) {
        sessionOf(scope.visitorId).events.push(event);
        for (const sink of sinks) sink.own(scope.visitorId, event, false);
      }
    }
    return event;
  }

  return {
    /** Runs `handle` (the rest of the request's pipeline) inside a new request scope, and returns that scope. */
    runRequest(
      init: { requestId: string; visitorId: string | null; method: string; path: string; source: RequestSource },
      handle: () => void,
    ): RequestScope {
      const scope: RequestScope = {
        ...init,
        userId: null,
        startedAt: performance.now(),
        dbMs: 0,
        events: new RingBuffer(TRACE_LIMITS.perRequest),
      };
      openRequests += 1;
      storage.run(scope, () => {
        record("request.start", `${init.method} ${init.path}`, { source: init.source });
        handle();
      });
      return scope;
    },

    /** The request's last event, once its response is done (from a `finish`/`close` listener, outside the scope). */
    endRequest(scope: RequestScope, status: number): void {
      openRequests -= 1;
      const latencyMs = Math.round((performance.now() - scope.startedAt) * 10) / 10;
      const { method, path, source } = scope;
      record(
        "request.end",
        `${method} ${path} ${status} ${latencyMs}ms`,
        { method, path, status, latencyMs, source },
        status >= 500 ? "error" : status >= 400 ? "warn" : "info",
        scope,
      );
      const line: RequestLine = {
        seq: ++seq,
        time: new Date(now()).toISOString(),
        flow: randomBytes(6).toString("base64url"),
        method,
        path,
        status,
        latencyMs,
      };
      lines.push({ line, visitorId: scope.visitorId });
      for (const sink of sinks) sink.line(line, scope.visitorId);
    },

    current: (): RequestScope | undefined => storage.getStore(),

    /**
     * A visitor's live event from another instance (docs/decisions/0024), numbered in this
     * process's order (a tab drops events numbered before the last it has) and kept like the
     * visitor's own, so a lab page loaded here shows it too.
     */
    adopt(visitorId: string, event: TraceEvent): void {
      const adopted: TraceEvent = { ...event, seq: ++seq };
      sessionOf(visitorId).events.push(adopted);
      for (const sink of sinks) sink.own(visitorId, adopted, true);
    },

    /** The signed-in user of the current request, once it is known. */
    identify(userId: string | null): void {
      const scope = storage.getStore();
      if (scope) scope.userId = userId;
    },

    record,

    /** One SQL statement (its text only: parameters are never kept) and the pool that ran it. */
    sql(text: string, durationMs: number, failed: boolean, pool: SqlPool = "primary"): void {
      const scope = storage.getStore();
      if (scope) scope.dbMs += durationMs;
      const statement = text.length > MAX_SQL_CHARS ? `${text.slice(0, MAX_SQL_CHARS - 1)}…` : text;
      record("sql", statement, { ms: Math.round(durationMs * 10) / 10, pool }, failed ? "error" : "info", scope);
    },

    /** Times `work` as a service step of the current request. */
    step<T>(name: string, work: () => T): T {
      const started = performance.now();
      const done = (failed: unknown) =>
        record(
          "service",
          name,
          { ms: Math.round((performance.now() - started) * 10) / 10, ...(failed ? { failed: true } : {}) },
          failed ? "warn" : "info",
        );
      const result = work();
      if (result instanceof Promise) {
        return result.then(
          (value: unknown) => (done(false), value),
          (error: unknown) => {
            done(true);
            throw error;
          },
        ) as T;
      }
      done(false);
      return result;
    },

    /** What a visitor may see right now: their own recent events and the (newest `othersLimit`) request lines of everyone else. */
    snapshot(
      visitorId: string | null,
      othersLimit: number = TRACE_LIMITS.global,
    ): { own: TraceEvent[]; others: RequestLine[] } {
      return {
        own: (visitorId && sessions.get(visitorId)?.events.toArray()) || [],
        others: lines
          .toArray()
          .filter((entry) => visitorId === null || entry.visitorId !== visitorId)
          .slice(-othersLimit)
          .map((entry) => entry.line),
      };
    },

    /** The newest event's number: a lab page's stream resumes after it (nothing recorded in between is lost). */
    lastSeq: (): number => seq,

    /** A visitor's own diagnostic events (request starts, framework internals), oldest first; none for a visitor without a cookie. */
    diagnostics: (visitorId: string | null): TraceEvent[] =>
      visitorId === null
        ? []
        : diagnostic.toArray().flatMap((entry) => (entry.visitorId === visitorId ? [entry.event] : [])),

    /** Sizes of everything the tracer keeps (the lab's diagnostic view and the memory test read them). */
    stats() {
      let largestSession = 0;
      for (const session of sessions.values()) largestSession = Math.max(largestSession, session.events.size);
      return {
        openRequests,
        sessions: sessions.size,
        largestSession,
        lines: lines.size,
        diagnostic: diagnostic.size,
        limits: TRACE_LIMITS,
      };
    },

    subscribe(sink: TraceSink): () => void {
      sinks.add(sink);
      return () => sinks.delete(sink);
    },
  };
}

export type Tracer = ReturnType<typeof createTracer>;

/** The same service, with every function call recorded as a service step (`chat.post 12.3ms`). */
export function traced<Service extends object>(tracer: Tracer, name: string, service: Service): Service {
  const wrapped: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(service)) {
    wrapped[key] =
      typeof value === "function"
        ? (...args: unknown[]) => tracer.step(`${name}.${key}`, () => (value as (...a: unknown[]) => unknown)(...args))
        : value;
  }
  return wrapped as Service;
}
