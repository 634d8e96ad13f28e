import { frame, type Frame } from "#app/models/live-feed.ts";
import type { RequestLine, TraceEvent } from "#app/models/trace.ts";
import { createTimelineBatch, type PendingLine } from "./timeline-batch.server.ts";
import type { Tracer } from "./trace.server.ts";

/**
 * The lab's trace sink (docs/decisions/0008, 0016): trace events reach the lab tabs they may. A
 * visitor's own events go to that visitor's tabs as `trace` frames; the server's own work to every
 * lab tab; everyone else's finished requests as anonymous `timeline` lines, gathered for a tick and
 * sent as one frame built once, with filtered copies only for the tabs of a visitor whose own lines
 * are in it and for tabs that joined during the tick.
 */
export interface LabTab {
  readonly viewer: {
    /** The visitor cookie's id: whose trace events the tab may see. */
    readonly visitorId: string;
    /** The tab's page showed the trace up to this event: what came after is replayed first. */
    readonly traceAfter?: number;
  };
}

const traceFrame = (event: TraceEvent): Frame => frame("trace", JSON.stringify(event));
/** A `timeline` frame: other visitors' request lines, oldest first. */
const linesFrame = (lines: readonly RequestLine[]): Frame => frame("timeline", JSON.stringify(lines));

export function createLabTraceSink<Tab extends LabTab>(tracer: Tracer, send: (tab: Tab, next: Frame) => void) {
  /** Each lab tab with the trace number it joined at: it gets the lines after it (the ones before were its page's or its replay's). */
  const tabs = new Map<Tab, number>();
  const tabsOf = new Map<string, Set<Tab>>();

  function sendLines(batch: readonly PendingLine[]): void {
    const owners = new Set(batch.map((entry) => entry.visitorId));
    const firstSeq = batch[0]?.line.seq ?? 0;
    const shared = linesFrame(batch.map((entry) => entry.line));
    const withoutOwn = new Map<string, Frame | undefined>();
    const framed = (visitorId: string, after: number) => {
      const lines = batch
        .filter((entry) => entry.visitorId !== visitorId && entry.line.seq > after)
        .map((entry) => entry.line);
      return lines.length ? linesFrame(lines) : undefined;
    };
    for (const [tab, joinedSeq] of tabs) {
      const { visitorId } = tab.viewer;
      let tabFrame: Frame | undefined = shared;
      if (joinedSeq >= firstSeq) tabFrame = framed(visitorId, joinedSeq);
      else if (owners.has(visitorId)) {
        if (!withoutOwn.has(visitorId)) withoutOwn.set(visitorId, framed(visitorId, 0));
        tabFrame = withoutOwn.get(visitorId);
      }
      if (tabFrame) send(tab, tabFrame);
    }
  }
  const timeline = createTimelineBatch(sendLines);

  const stopTracing = tracer.subscribe({
    own(visitorId, event) {
      const own = tabsOf.get(visitorId);
      if (!own) return;
      const shared = traceFrame(event);
      for (const tab of own) send(tab, shared);
    },
    line(line, visitorId) {
      if (tabs.size > 0) timeline.add({ line, visitorId });
    },
    system(event) {
      if (tabs.size === 0) return;
      const shared = traceFrame(event);
      for (const tab of tabs.keys()) send(tab, shared);
    },
  });

  /** What a lab page missed between its snapshot and its stream: its visitor's events and others' lines, in order. */
  function replay(tab: Tab, after: number): void {
    const { own, others } = tracer.snapshot(tab.viewer.visitorId);
    const missed = [
      ...own.filter((event) => event.seq > after).map((event) => ({ seq: event.seq, frame: traceFrame(event) })),
      ...others.filter((line) => line.seq > after).map((line) => ({ seq: line.seq, frame: linesFrame([line]) })),
    ].sort((a, b) => a.seq - b.seq);
    for (const entry of missed) send(tab, entry.frame);
  }

  return {
    /** A lab tab opened: from now on it gets its trace events live, after what its page missed. */
    join(tab: Tab): void {
      tabs.set(tab, tracer.lastSeq());
      let own = tabsOf.get(tab.viewer.visitorId);
      if (!own) tabsOf.set(tab.viewer.visitorId, (own = new Set()));
      own.add(tab);
      // In the same tick as the registration: every later event arrives live, none twice.
      if (tab.viewer.traceAfter !== undefined) replay(tab, tab.viewer.traceAfter);
    },

    leave(tab: Tab): void {
      if (!tabs.delete(tab)) return;
      const own = tabsOf.get(tab.viewer.visitorId);
      own?.delete(tab);
      if (own?.size === 0) tabsOf.delete(tab.viewer.visitorId);
    },

    sizes: () => ({ labTabs: tabs.size, labVisitors: tabsOf.size }),

    close(): void {
      stopTracing();
      timeline.close();
    },
  };
}
