import type { TraceEvent } from "#app/models/trace.ts";

/** Trace events as a compact list: kind, message, duration. */
export function TraceList({ events, label }: { events: readonly TraceEvent[]; label: string }) {
  if (events.length === 0) return null;
  return (
    <details className="trace" open>
      <summary>
        {label} ({events.length} {events.length === 1 ? "event" : "events"})
      </summary>
      <ol className="trace__events">
        {events.map((event) => (
          <TraceLine key={event.seq} event={event} />
        ))}
      </ol>
    </details>
  );
}

export function TraceLine({ event }: { event: TraceEvent }) {
  return (
    <li className={`trace__event trace__event--${event.level}`} data-kind={event.kind}>
      <span className="trace__kind">{event.kind}</span>
      {typeof event.fields.pool === "string" ? <span className="trace__pool"> {event.fields.pool}</span> : null}{" "}
      <code>{event.message}</code>
      {typeof event.fields.ms === "number" ? <span className="muted"> {event.fields.ms} ms</span> : null}
    </li>
  );
}
