import { useState, useSyncExternalStore } from "react";
import { Form } from "react-router";
import { labHref } from "#app/models/content.ts";
import { flowsOf } from "#app/models/timeline.ts";
import { noSubscription, type LabRuntime } from "./lab-stream.ts";
import { TraceLine } from "./trace-list.tsx";

const FILTER_KEY = "glassbox:timeline-filter";

/**
 * The operational timeline: requests grouped with their events, newest first, at most 20. The filter
 * hides flows whose title holds one of its comma-separated terms; it is kept per tab
 * (sessionStorage), and without JavaScript it is a query parameter.
 */
export function TimelinePanel({ runtime, initialFilter }: { runtime: LabRuntime; initialFilter: string }) {
  const [edited, setEdited] = useState<string>();
  // What this tab typed before a reload; the server render (and a page without scripts) has none.
  const kept = useSyncExternalStore(
    noSubscription,
    () => window.sessionStorage.getItem(FILTER_KEY) ?? "",
    () => "",
  );
  const filter = edited ?? (initialFilter || kept);
  const changeFilter = (value: string) => {
    setEdited(value);
    window.sessionStorage.setItem(FILTER_KEY, value);
  };
  const flows = flowsOf(runtime, filter);

  return (
    <section id="timeline" className="card lab-panel" aria-labelledby="timeline-title">
      <h3 id="timeline-title">Operational timeline</h3>
      <Form
        method="get"
        action={labHref("timeline")}
        className="inline-form"
        onSubmit={(event) => event.preventDefault()}
      >
        <label htmlFor="timeline-filter">Hide flows matching</label>
        <input
          id="timeline-filter"
          name="filter"
          value={filter}
          placeholder="/events, /lab/probe"
          onChange={(event) => changeFilter(event.target.value)}
        />
        <button type="submit" className="button button--quiet">
          Apply
        </button>
      </Form>
      {flows.length === 0 ? <p className="muted">Nothing yet: use the lab and your requests appear here.</p> : null}
      <ol className="timeline" aria-label="Recent requests, newest first">
        {flows.map((flow) => (
          <li key={flow.key} className="timeline__flow" data-flow={flow.title}>
            <p className="timeline__title">
              <strong>{flow.title}</strong>
              {flow.line ? (
                <span className="muted">
                  {" "}
                  {flow.line.status} · {flow.line.latencyMs} ms · another visitor
                </span>
              ) : null}
            </p>
            {flow.events.length > 0 ? (
              <ol className="trace__events">
                {flow.events.map((event) => (
                  <TraceLine key={event.seq} event={event} />
                ))}
              </ol>
            ) : null}
          </li>
        ))}
      </ol>
    </section>
  );
}
