/**
 * Trace events: what the lab shows of the server's own work. Every kind is classified here, once:
 * `live` kinds stream to the visitor's page, `diagnostic` ones are only kept for the diagnostic view.
 * Adding a kind without classifying it does not compile.
 */
export const traceKinds = {
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
  /** Framework internals (React Router's request handler, route middleware): the diagnostic view only. */
  "framework.handler": "diagnostic",
  "framework.middleware": "diagnostic",
} as const satisfies Record<string, "live" | "diagnostic">;

export type TraceKind = keyof typeof traceKinds;
export type TraceLevel = "debug" | "info" | "warn" | "error";
export type TraceFieldValue = string | number | boolean | null;

export const isLive = (kind: TraceKind): boolean => traceKinds[kind] === "live";

/** Which pool ran an SQL statement: the primary, or DATABASE_READ_URL's (the primary's when unset). */
export type SqlPool = "primary" | "read";

/** How a request reached the server (the timeline's "source" column). */
export type RequestSource = "document" | "data" | "form" | "resource" | "stream" | "probe" | "asset";

export interface TraceEvent {
  /** Increases by one per event in this process: the order events happened in. */
  readonly seq: number;
  readonly time: string;
  readonly level: TraceLevel;
  readonly kind: TraceKind;
  readonly message: string;
  /** The request it belongs to; null for the server's own work (a broadcast, a timer). */
  readonly requestId: string | null;
  /** "METHOD path" of that request: the title of its flow in the timeline. */
  readonly request: string | null;
  readonly userId: string | null;
  readonly fields: Readonly<Record<string, TraceFieldValue>>;
}

/**
 * Another visitor's request as everyone may see it: no ids, no bodies, no SQL. `flow` is a random
 * token for grouping, never the request id.
 */
export interface RequestLine {
  readonly seq: number;
  readonly time: string;
  readonly flow: string;
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly latencyMs: number;
}

/** The caps on what the server keeps: memory stays bounded whatever the traffic. */
export const TRACE_LIMITS = {
  perRequest: 50,
  perSession: 50,
  global: 50,
  diagnostic: 100,
  /** Visitors whose traces are kept at once; the least recently active is forgotten first. */
  sessions: 1_000,
} as const;

/** A fixed-size buffer that keeps the newest `capacity` items, oldest first. */
export class RingBuffer<T> {
  readonly #items: T[] = [];
  #start = 0;

  constructor(readonly capacity: number) {}

  push(item: T): void {
    if (this.#items.length < this.capacity) this.#items.push(item);
    else {
      this.#items[this.#start] = item;
      this.#start = (this.#start + 1) % this.capacity;
    }
  }

  get size(): number {
    return this.#items.length;
  }

  toArray(): T[] {
    return [...this.#items.slice(this.#start), ...this.#items.slice(0, this.#start)];
  }
}

/**
 * A path as a trace may show it: the query string is dropped (it can carry tokens, emails, ids),
 * React Router's data requests show the page they are for (`/lab.data` is `/lab`, `/_root.data` is
 * `/`; the source column says "data"), and it is cut at 200 characters.
 */
export function tracePath(url: string): string {
  const raw = url.split("?")[0] ?? "/";
  const path = raw === "/_root.data" ? "/" : raw.endsWith(".data") ? raw.slice(0, -".data".length) : raw;
  return path.length > 200 ? `${path.slice(0, 199)}…` : path;
}
