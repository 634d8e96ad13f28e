import { useState, type FormEvent } from "react";
import { Form } from "react-router";
import { labHref } from "#app/models/content.ts";
import {
  BURST,
  burstSizeSchema,
  describeProgress,
  requestsPerSecond,
  runBurst,
  type BurstProgress,
} from "#app/models/lab.ts";
import type { LabOutcome } from "#app/models/lab.ts";
import { Notice } from "#app/components/notice.tsx";
import { useHydrated } from "./lab-stream.ts";

/**
 * The request burst: N probes (GET /lab/probe, 204) from 24 concurrent workers in this browser,
 * progress every 20, a summary at the end; every probe lands in the timeline. Without JavaScript the
 * form asks the server to run the same burst against itself and shows its summary.
 *
 * The size is a number box, which shows the chosen number with or without scripts; once scripts
 * run, a slider beside it moves with it (a slider alone cannot show its value without them).
 */
export function BurstPanel({ outcome }: { outcome: LabOutcome | undefined }) {
  const serverRun = outcome?.widget === "burst" ? outcome : undefined;
  // Kept as typed (the box may be empty or half-typed for a moment); the browser checks it on submit.
  // After a run on the server the page comes back with the size that was run.
  const [size, setSize] = useState(
    String(serverRun && "summary" in serverRun ? serverRun.summary.total : BURST.default),
  );
  const [progress, setProgress] = useState<BurstProgress>();
  const [running, setRunning] = useState(false);
  const hydrated = useHydrated();
  const chosen = burstSizeSchema.safeParse(size);

  async function run(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (running || !chosen.success) return;
    setRunning(true);
    setProgress(undefined);
    const probe = () =>
      fetch("/lab/probe", { cache: "no-store" }).then(
        (response) => response.status === 204,
        () => false,
      );
    await runBurst(chosen.data, probe, setProgress);
    setRunning(false);
  }

  return (
    <section id="burst" className="card lab-widget" aria-labelledby="burst-title">
      <h3 id="burst-title">Request burst</h3>
      <p>
        {BURST.workers} workers send probes to <code>/lab/probe</code>, which answers 204 and is traced like any
        request.
      </p>
      <Form method="post" action={labHref("burst", "?index")} onSubmit={run} className="stack">
        <input type="hidden" name="intent" value="burst" />
        <div className="field">
          <label htmlFor="burst-size">Requests</label>
          <p id="burst-size-hint" className="field__hint">
            {BURST.min} to {BURST.max}, in steps of {BURST.step}
          </p>
          <div className="burst__size">
            {hydrated ? (
              <input
                type="range"
                aria-label="Requests (slider)"
                min={BURST.min}
                max={BURST.max}
                step={BURST.step}
                value={chosen.success ? chosen.data : BURST.default}
                onChange={(change) => setSize(change.target.value)}
              />
            ) : null}
            <input
              id="burst-size"
              name="size"
              type="number"
              inputMode="numeric"
              required
              min={BURST.min}
              max={BURST.max}
              step={BURST.step}
              value={size}
              onChange={(change) => setSize(change.target.value)}
              aria-describedby="burst-size-hint"
            />
          </div>
        </div>
        <p>
          <button type="submit" className="button" disabled={running}>
            {running ? "Running…" : "Run burst"}
          </button>
        </p>
      </Form>
      <p role="status" className="burst__progress" data-testid="burst-progress">
        {progress ? describeProgress(progress) : null}
      </p>
      {progress && !running ? <BurstSummary summary={progress} where="in this browser" /> : null}
      {serverRun && "error" in serverRun ? <Notice tone="error">{serverRun.error}</Notice> : null}
      {serverRun && "summary" in serverRun ? <BurstSummary summary={serverRun.summary} where="on the server" /> : null}
    </section>
  );
}

function BurstSummary({ summary, where }: { summary: BurstProgress; where: string }) {
  return (
    <p className="notice notice--success" data-testid="burst-summary">
      Burst finished {where}: {summary.sent} of {summary.total} sent, {summary.ok} ok, {summary.failed} failed,{" "}
      {requestsPerSecond(summary)} req/s over {(summary.elapsedMs / 1000).toFixed(1)} s.
    </p>
  );
}
