import { useCallback, useState, type ReactNode } from "react";
import { useFetcher, type FetcherWithComponents } from "react-router";
import type { CommandEvent, LabOutcome } from "#app/models/lab.ts";
import { Notice } from "#app/components/notice.tsx";
import { tabId, useTabEvent } from "#app/components/tab-stream.tsx";
import { useHydrated } from "./lab-stream.ts";

/**
 * The command + SSE demo: a click posts a command, the server applies it to its counter and pushes
 * the result to this tab's stream (428 when the tab has none). "Guarded" waits behind a per-visitor
 * lock; "cancelable" cancels the previous one. Without JavaScript the page comes back with the count.
 */
export function CommandPanel(props: {
  streamUrl: string | undefined;
  count: number;
  notice: string | undefined;
  outcome: LabOutcome | undefined;
}) {
  const [count, setCount] = useState(props.count);
  const [log, setLog] = useState<readonly string[]>([]);
  // The tab id goes into the forms only once scripts run: without them there is no stream to name.
  const hydrated = useHydrated();
  useTabEvent(
    props.streamUrl,
    "counter",
    useCallback((data: string) => {
      const event = JSON.parse(data) as CommandEvent;
      if (event.type !== "cancelable") setCount(event.count);
      const line = event.type === "count" ? `count is now ${event.count}` : `${event.type}: ${event.state}`;
      setLog((current) => [...current.slice(-4), line]);
    }, []),
  );
  const fetchers = {
    step: useFetcher<LabOutcome>({ key: "command-step" }),
    guarded: useFetcher<LabOutcome>({ key: "command-guarded" }),
    cancelable: useFetcher<LabOutcome>({ key: "command-cancelable" }),
  };
  const failure = Object.values(fetchers).find((fetcher) => fetcher.data && "error" in fetcher.data)?.data;
  const tab = hydrated ? <input type="hidden" name="tab" value={tabId} /> : null;

  return (
    <section id="command" className="card lab-widget" aria-labelledby="command-title">
      <h3 id="command-title">Server-authoritative counter</h3>
      <p>
        Count: <strong data-testid="counter">{count}</strong>
      </p>
      <div className="actions">
        <CommandForm fetcher={fetchers.step} intent="step" tab={tab}>
          <button type="submit" name="delta" value="-1" className="button button--quiet">
            −1
          </button>{" "}
          <button type="submit" name="delta" value="1" className="button">
            +1
          </button>
        </CommandForm>
        <CommandForm fetcher={fetchers.guarded} intent="guarded" tab={tab}>
          <button type="submit" className="button button--quiet">
            Guarded +1
          </button>
        </CommandForm>
        <CommandForm fetcher={fetchers.cancelable} intent="cancelable" tab={tab}>
          <button type="submit" className="button button--quiet">
            Cancelable work
          </button>
        </CommandForm>
      </div>
      <Notice tone="success">{props.notice}</Notice>
      <Notice tone="error">
        {failure && "error" in failure
          ? failure.error
          : props.outcome?.widget === "command" && "error" in props.outcome
            ? props.outcome.error
            : undefined}
      </Notice>
      {log.length > 0 ? (
        <ol className="plain-list" aria-label="Pushed by the server" aria-live="polite">
          {log.map((line, index) => (
            <li key={index}>{line}</li>
          ))}
        </ol>
      ) : null}
    </section>
  );
}

function CommandForm({
  fetcher,
  intent,
  tab,
  children,
}: {
  fetcher: FetcherWithComponents<LabOutcome>;
  intent: string;
  tab: ReactNode;
  children: ReactNode;
}) {
  return (
    <fetcher.Form method="post">
      <input type="hidden" name="intent" value={intent} />
      {tab}
      {children}
    </fetcher.Form>
  );
}
