import type { RequestLine, TraceEvent } from "./trace.ts";

/** A request and what happened in it, as the timeline shows it. */
export interface Flow {
  readonly key: string;
  readonly title: string;
  /** Only for the visitor's own requests and the server's own work: others' are one anonymous line. */
  readonly events: readonly TraceEvent[];
  readonly line?: RequestLine;
  readonly latest: number;
}

/** How many requests the lab shows at once: flows in the timeline, rows in the network log. */
export const SHOWN_REQUESTS = 20;

/** Flows newest first, at most `limit`, without those whose title contains one of the filter's terms. */
export function flowsOf(
  runtime: { readonly events: readonly TraceEvent[]; readonly lines: readonly RequestLine[] },
  filter: string,
  limit = SHOWN_REQUESTS,
): Flow[] {
  const terms = filter
    .split(",")
    .map((term) => term.trim().toLowerCase())
    .filter(Boolean);
  const own = new Map<string, { title: string; events: TraceEvent[]; latest: number }>();
  for (const event of runtime.events) {
    const key = event.requestId ?? `server-${event.seq}`;
    const flow = own.get(key) ?? { title: event.request ?? `server: ${event.kind}`, events: [], latest: 0 };
    flow.events.push(event);
    flow.latest = Math.max(flow.latest, event.seq);
    own.set(key, flow);
  }
  const flows: Flow[] = [
    ...[...own].map(([key, flow]) => ({ key, ...flow })),
    ...runtime.lines.map((line) => ({
      key: `line-${line.flow}`,
      title: `${line.method} ${line.path}`,
      events: [],
      line,
      latest: line.seq,
    })),
  ];
  return flows
    .filter((flow) => !terms.some((term) => flow.title.toLowerCase().includes(term)))
    .sort((a, b) => b.latest - a.latest)
    .slice(0, limit);
}
