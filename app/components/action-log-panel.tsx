import { useCallback, useState } from "react";
import { Form, Link, useRevalidator } from "react-router";
import { auditActions, matchesFilter, resourceTypes, type ActionLogFilter } from "#app/models/action-log.ts";
import type { ActionLogView } from "#app/models/action-log.ts";
import { DateTime } from "./date-time.tsx";
import { useTabEvent } from "./tab-stream.tsx";

export interface ActionLogPanelProps {
  readonly entries: readonly ActionLogView[];
  readonly filter: ActionLogFilter;
  /** What the filter form shows (as typed); `actor` is set by an account's "Activity" link. */
  readonly values: Readonly<Record<"action" | "actor" | "resourceType" | "resourceId" | "from" | "to", string>>;
  /** The link to the next, older page; undefined on the last one. */
  readonly olderHref?: string;
  /** Whether this is the newest page (no `before`): only it follows the stream, an older page is history. */
  readonly newest: boolean;
  readonly filterError?: string;
}

/** Entries kept on the page while new ones arrive live. */
const KEEP = 200;

/**
 * The action log for admins: a filtered snapshot rendered by the server (the whole thing without
 * JavaScript), and with JavaScript every new entry that passes the same filter, as it happens, from
 * the action-log stream (`/api/v0/action-logs/stream`, resumed after the newest entry shown).
 * Give it a `key` of its snapshot: a new snapshot (a filter, a reload) starts the live list afresh.
 */
export function ActionLogPanel({ entries, filter, values, olderHref, newest, filterError }: ActionLogPanelProps) {
  const [live, setLive] = useState<readonly ActionLogView[]>([]);
  const revalidator = useRevalidator();
  const after = entries[0]?.id;
  const streamUrl = newest ? `/api/v0/action-logs/stream${after ? `?after=${after}` : ""}` : undefined;
  useTabEvent(
    streamUrl,
    "action",
    useCallback(
      (data: string) => {
        const entry = JSON.parse(data) as ActionLogView;
        const passes = matchesFilter(
          {
            action: entry.action,
            actorId: entry.actor?.id ?? null,
            resource: entry.resource,
            occurredAt: new Date(entry.occurredAt),
          },
          filter,
        );
        if (!passes) return;
        setLive((current) =>
          current.some((known) => known.id === entry.id) ? current : [entry, ...current].slice(0, KEEP),
        );
      },
      [filter],
    ),
  );
  useTabEvent(
    streamUrl,
    "resync",
    useCallback(() => void revalidator.revalidate(), [revalidator]),
  );
  const shown = [...live, ...entries];
  return (
    <section id="action-log" aria-labelledby="action-log-title">
      <h2 id="action-log-title">Action log</h2>
      <p className="muted">
        Newest first. With JavaScript, new entries that match the filter appear as they happen; without, reload the
        page.
      </p>
      <Form method="get" action="/admin#action-log" className="filter-form" aria-label="Filter the action log">
        {values.actor ? <input type="hidden" name="actor" value={values.actor} /> : null}
        <Choice id="log-action" name="action" label="Action" options={auditActions} value={values.action} />
        <Choice
          id="log-resource-type"
          name="resourceType"
          label="Resource"
          options={resourceTypes}
          value={values.resourceType}
        />
        <span className="filter-form__field">
          <label htmlFor="log-resource-id">Resource id</label>
          <input id="log-resource-id" name="resourceId" defaultValue={values.resourceId} maxLength={200} />
        </span>
        <span className="filter-form__field">
          <label htmlFor="log-from">From (UTC)</label>
          <input id="log-from" name="from" type="datetime-local" defaultValue={values.from} />
        </span>
        <span className="filter-form__field">
          <label htmlFor="log-to">To (UTC)</label>
          <input id="log-to" name="to" type="datetime-local" defaultValue={values.to} />
        </span>
        <button type="submit" className="button button--quiet">
          Filter
        </button>
        <Link to="/admin#action-log">Clear filters</Link>
      </Form>
      {filterError ? <p role="alert">{filterError}</p> : null}
      {values.actor ? <p className="muted">Only the actions of account {values.actor}.</p> : null}
      <p className="muted" aria-live="polite">
        {live.length > 0 ? `${live.length} new ${live.length === 1 ? "entry" : "entries"} since the page loaded` : null}
      </p>
      {shown.length === 0 ? <p className="muted">No entries match.</p> : null}
      <ol className="activity-list">
        {shown.map((entry) => (
          <li key={entry.id} data-entry-id={entry.id}>
            <DateTime value={entry.occurredAt} /> <code>{entry.action}</code> by {entry.actor?.username ?? "anonymous"}
            {entry.ip ? ` from ${entry.ip}` : null}
            {entry.resource ? ` on ${entry.resource.type} ${entry.resource.id}` : null}
            {Object.keys(entry.metadata).length > 0 ? (
              <code className="activity-list__meta">{JSON.stringify(entry.metadata)}</code>
            ) : null}
          </li>
        ))}
      </ol>
      {olderHref ? <Link to={olderHref}>Older entries</Link> : null}
    </section>
  );
}

/** A labelled select of `options`, with "Any" (empty) first. */
function Choice({
  id,
  name,
  label,
  options,
  value,
}: {
  id: string;
  name: string;
  label: string;
  options: readonly string[];
  value: string;
}) {
  return (
    <span className="filter-form__field">
      <label htmlFor={id}>{label}</label>
      <select id={id} name={name} defaultValue={value}>
        <option value="">Any</option>
        {options.map((option) => (
          <option key={option}>{option}</option>
        ))}
      </select>
    </span>
  );
}
