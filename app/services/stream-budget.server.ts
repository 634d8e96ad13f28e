import type { Logger } from "pino";

/**
 * The process-wide budget for unsent stream bytes (issue 18, docs/decisions/0025): what every live
 * stream of this process was given and its client has not taken yet (eventStream's queue, the
 * response's buffer) adds up to at most `maxBytes`. The per-stream cap (LIVE_FEED.maxUnsentBytes)
 * alone lets a thousand slow readers hold a thousand times that. Past the budget, the streams
 * holding the most are dropped first, each told why (it reconnects and replays with
 * Last-Event-ID), until the total is back under three quarters of the budget.
 *
 * Hubs report what they hand out (`gave`, a sum, cheap on every frame); the budget measures the
 * real figures (each stream's connection) only when that sum could have crossed the line, a short
 * while later so that healthy streams have flushed, and on a slow timer in any case.
 */
export interface BudgetedStream {
  /** Bytes this stream holds in the process now. */
  readonly unsent: number;
  /** Ends the stream, telling it why. */
  drop(reason: string): void;
}

/** A hub of streams under the budget. */
export interface BudgetedFeed {
  /** Every open stream, measured now. */
  measure(): BudgetedStream[];
}

const OVER_BUDGET = "server busy: too much unsent to slow streams";
/** After a hub hands out enough to cross the line, the measuring waits this long (healthy streams flush within it). */
const SETTLE_MS = 50;
const SWEEP_MS = 1_000;

export function createStreamBudget({ maxBytes, log }: { maxBytes: number; log: Logger }) {
  const feeds = new Set<BudgetedFeed>();
  /** The total when last measured, plus what was handed out since: never less than the truth. */
  let bound = 0;
  let pending: NodeJS.Timeout | undefined;

  function measure(): number {
    pending = undefined;
    const streams = [...feeds].flatMap((feed) => feed.measure());
    let total = streams.reduce((sum, stream) => sum + stream.unsent, 0);
    if (total > maxBytes) {
      const before = total;
      let dropped = 0;
      for (const stream of streams.sort((a, b) => b.unsent - a.unsent)) {
        if (total <= (maxBytes * 3) / 4) break;
        stream.drop(OVER_BUDGET);
        total -= stream.unsent;
        dropped += 1;
      }
      log.warn(
        { unsentBytes: before, budgetBytes: maxBytes, dropped },
        "live streams over the unsent-bytes budget: the slowest were dropped",
      );
    }
    bound = total;
    return total;
  }

  const sweep = setInterval(measure, SWEEP_MS);
  sweep.unref();

  return {
    /** Adds a hub's streams to the budget. */
    add(feed: BudgetedFeed): void {
      feeds.add(feed);
    },
    /** A hub handed `bytes` to a stream. */
    gave(bytes: number): void {
      bound += bytes;
      if (bound <= maxBytes || pending) return;
      pending = setTimeout(measure, SETTLE_MS);
      pending.unref();
    },
    /** Measures now (dropping the slowest when over budget); the total the streams hold afterwards. */
    measure,
    close(): void {
      clearInterval(sweep);
      clearTimeout(pending);
    },
  };
}

export type StreamBudget = ReturnType<typeof createStreamBudget>;
