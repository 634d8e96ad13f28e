import { TRACE_LIMITS, type RequestLine } from "#app/models/trace.ts";

/**
 * Other visitors' request lines are not pushed one by one: every open lab stream would then pay
 * for every request anyone makes (issue 17's probe: 2,000 lab streams took `/health` from 5 ms to
 * 88 ms). Lines are gathered for one tick and flushed together, so a lab stream gets at most one
 * `timeline` frame per tick, holding at most the newest TIMELINE_BATCH_MAX lines (as many as the
 * tracer's public ring buffer, and a page's snapshot, hold), however many requests were made meanwhile.
 */
export const TIMELINE_TICK_MS = 100;
export const TIMELINE_BATCH_MAX = TRACE_LIMITS.global;

/** A line and whose request it was (so that visitor's own tabs can leave it out; never sent). */
export interface PendingLine {
  readonly line: RequestLine;
  readonly visitorId: string | null;
}

export function createTimelineBatch(flush: (lines: readonly PendingLine[]) => void, tickMs = TIMELINE_TICK_MS) {
  let pending: PendingLine[] = [];
  let timer: NodeJS.Timeout | undefined;
  return {
    add(entry: PendingLine): void {
      pending.push(entry);
      if (pending.length > TIMELINE_BATCH_MAX) pending.shift();
      timer ??= setTimeout(() => {
        timer = undefined;
        const lines = pending;
        pending = [];
        flush(lines);
      }, tickMs).unref();
    },
    close(): void {
      clearTimeout(timer);
      timer = undefined;
      pending = [];
    },
  };
}
