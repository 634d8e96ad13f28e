import type { ReactNode } from "react";
import { useFetcher } from "react-router";
import { labHref } from "#app/models/content.ts";
import type { LabOutcome, LabResult, LabWidget as WidgetId } from "#app/models/lab.ts";
import { Notice } from "#app/components/notice.tsx";
import { TraceList } from "./trace-list.tsx";

/**
 * A lab widget: a form that asks the server one thing, the answer, and the trace of the request
 * that answered. With JavaScript it posts through a fetcher and stays on the page; without, the
 * page comes back with the answer (`outcome`), scrolled to this widget (the action's fragment).
 */
export function LabWidget<Id extends WidgetId>(props: {
  id: Id;
  title: string;
  intent: string;
  submitLabel: string;
  outcome: LabOutcome | undefined;
  children: ReactNode;
  fields?: ReactNode;
  render: (result: Extract<LabResult, { widget: Id }>) => ReactNode;
}) {
  const fetcher = useFetcher<LabOutcome>({ key: props.id });
  const shown = fetcher.data ?? (props.outcome?.widget === props.id ? props.outcome : undefined);
  return (
    <section id={props.id} className="card lab-widget" aria-labelledby={`${props.id}-title`}>
      <h3 id={`${props.id}-title`}>{props.title}</h3>
      {props.children}
      <fetcher.Form method="post" action={labHref(props.id, "?index")} className="stack">
        <input type="hidden" name="intent" value={props.intent} />
        {props.fields}
        <p>
          <button type="submit" className="button" disabled={fetcher.state !== "idle"}>
            {props.submitLabel}
          </button>
        </p>
      </fetcher.Form>
      <div className="lab-widget__result">
        {shown && "error" in shown ? <Notice tone="error">{shown.error}</Notice> : null}
        {shown && !("error" in shown) ? props.render(shown as unknown as Extract<LabResult, { widget: Id }>) : null}
        {shown ? <TraceList events={shown.trace} label="Trace of this request" /> : null}
      </div>
    </section>
  );
}
