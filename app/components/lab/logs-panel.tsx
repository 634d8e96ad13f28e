import { Form } from "react-router";
import { SHOWN_REQUESTS } from "#app/models/timeline.ts";
import type { TraceEvent } from "#app/models/trace.ts";
import { DataTable } from "#app/components/data-table.tsx";
import { DateTime } from "#app/components/date-time.tsx";
import type { LabRuntime } from "./lab-stream.ts";
import { TraceLine } from "./trace-list.tsx";

/** The backend log: your last 40 events, grouped by the request they belong to. */
export function BackendLog({ runtime }: { runtime: LabRuntime }) {
  const groups: { key: string; title: string; events: TraceEvent[] }[] = [];
  for (const event of runtime.events.slice(-40)) {
    const key = event.requestId ?? "server";
    const last = groups.at(-1);
    if (last?.key === key) last.events.push(event);
    else groups.push({ key, title: event.request ?? "server", events: [event] });
  }
  return (
    <section id="backend-log" className="card lab-panel" aria-labelledby="backend-log-title">
      <h3 id="backend-log-title">Backend log</h3>
      {groups.length === 0 ? <p className="muted">No events of yours yet.</p> : null}
      {groups.reverse().map((group, index) => (
        <div key={`${group.key}-${index}`} className="log-group">
          <p className="timeline__title">
            <strong>{group.title}</strong>
          </p>
          <ol className="trace__events">
            {group.events.map((event) => (
              <TraceLine key={event.seq} event={event} />
            ))}
          </ol>
        </div>
      ))}
    </section>
  );
}

/**
 * The diagnostic view: this visitor's own diagnostic events (request starts, React Router's
 * handler and middleware), which are kept but never streamed. A snapshot of when the page was
 * rendered, newest first; refreshing reloads it (with or without JavaScript).
 */
export function DiagnosticLog({ events }: { events: readonly TraceEvent[] }) {
  return (
    <section id="diagnostics" className="card lab-panel" aria-labelledby="diagnostics-title">
      <h3 id="diagnostics-title">Diagnostic log</h3>
      <p className="muted">
        <strong>Diagnostic, not live:</strong> events of your own requests that are kept on the server but not streamed,
        as they were when this page was rendered. The backend log above is the live one.
      </p>
      <Form method="get" action="/lab#diagnostics" className="inline-form">
        <button type="submit" className="button button--quiet">
          Refresh
        </button>
      </Form>
      {events.length === 0 ? <p className="muted">No diagnostic events of yours yet.</p> : null}
      <ol className="trace__events" aria-label="Diagnostic events, newest first">
        {[...events].reverse().map((event) => (
          <TraceLine key={event.seq} event={event} />
        ))}
      </ol>
    </section>
  );
}

/** The network log: HTTP requests (yours in full, others' anonymous) and the pushes this tab received. */
export function NetworkLog({ runtime }: { runtime: LabRuntime }) {
  const requests = [
    ...runtime.events
      .filter((event) => event.kind === "request.end")
      .map((event) => ({ seq: event.seq, time: event.time, ...requestFields(event), who: "you" })),
    ...runtime.lines.map((line) => ({ ...line, source: "—", who: "another visitor" })),
  ]
    .sort((a, b) => b.seq - a.seq)
    .slice(0, SHOWN_REQUESTS);
  const pushes = [...runtime.pushes].reverse().slice(0, 20);
  return (
    <section id="network-log" className="card lab-panel" aria-labelledby="network-log-title">
      <h3 id="network-log-title">Network log</h3>
      <DataTable caption="HTTP requests" columns={["Time", "Status", "Method", "Path", "Source", "Latency"]}>
        {requests.map((request) => (
          <tr key={request.seq}>
            <td>
              <DateTime value={request.time} />
            </td>
            <td>{request.status}</td>
            <td>{request.method}</td>
            <td>{request.path}</td>
            <td>{request.source === "—" ? request.who : request.source}</td>
            <td>{request.latencyMs} ms</td>
          </tr>
        ))}
      </DataTable>
      <DataTable caption="Server pushes to this tab" columns={["Time", "Event", "Bytes"]}>
        {pushes.length === 0 ? (
          <tr>
            <td colSpan={3} className="muted">
              None yet (pushes need JavaScript).
            </td>
          </tr>
        ) : null}
        {pushes.map((push, index) => (
          <tr key={`${push.at}-${index}`}>
            <td>
              <DateTime value={push.at} />
            </td>
            <td>{push.event}</td>
            <td>{push.bytes}</td>
          </tr>
        ))}
      </DataTable>
    </section>
  );
}

function requestFields(event: TraceEvent) {
  const { method, path, status, latencyMs, source } = event.fields;
  return {
    method: String(method),
    path: String(path),
    status: Number(status),
    latencyMs: Number(latencyMs),
    source: String(source),
  };
}
