import { useCallback, useEffect, useReducer, useRef, useSyncExternalStore } from "react";
import type { RequestLine, TraceEvent } from "#app/models/trace.ts";
import { useTabEvent } from "#app/components/tab-stream.tsx";

/**
 * What a lab tab knows of the runtime: its visitor's own trace events, other visitors' anonymous
 * request lines, and the server pushes this tab received. Seeded with the page's server-rendered
 * snapshot, then fed by the tab's event stream; every list is capped.
 */
export interface Push {
  readonly at: string;
  readonly event: string;
  readonly bytes: number;
}

export interface LabRuntime {
  readonly events: readonly TraceEvent[];
  readonly lines: readonly RequestLine[];
  readonly pushes: readonly Push[];
}

/** For `useSyncExternalStore` reads of values that never change after hydration (browser-only state). */
export const noSubscription = () => () => undefined;

/** False on the server and without scripts; true once the page is hydrated (what only scripts can use). */
export function useHydrated(): boolean {
  return useSyncExternalStore(
    noSubscription,
    () => true,
    () => false,
  );
}

const KEEP = { events: 500, lines: 200, pushes: 40 } as const;

type Action =
  | { readonly type: "event"; readonly event: TraceEvent }
  | { readonly type: "line"; readonly line: RequestLine }
  | { readonly type: "push"; readonly push: Push };

const keepLast = <T>(list: readonly T[], items: readonly T[], cap: number): readonly T[] =>
  [...list, ...items].slice(-cap);

/**
 * Applies every frame that arrived since the last animation frame at once. Each list comes in the
 * order things happened (`seq`; other visitors' lines a tick later than the visitor's own events);
 * what a reconnect replays again is dropped.
 */
function reduce(state: LabRuntime, actions: readonly Action[]): LabRuntime {
  const pick = <Type extends Action["type"]>(type: Type) =>
    actions.filter((action): action is Extract<Action, { type: Type }> => action.type === type);
  return {
    events: keepLast(
      state.events,
      pick("event")
        .map((action) => action.event)
        .filter((event) => event.seq > (state.events.at(-1)?.seq ?? 0)),
      KEEP.events,
    ),
    lines: keepLast(
      state.lines,
      pick("line")
        .map((action) => action.line)
        .filter((line) => line.seq > (state.lines.at(-1)?.seq ?? 0)),
      KEEP.lines,
    ),
    pushes: keepLast(
      state.pushes,
      pick("push").map((action) => action.push),
      KEEP.pushes,
    ),
  };
}

const received = (event: string, data: string): Action => ({
  type: "push",
  push: { at: new Date().toISOString(), event, bytes: new TextEncoder().encode(data).length },
});

/**
 * Frames are batched per animation frame: a burst brings thousands of trace events a second, and
 * rendering the lab once per event would starve the very workers sending the burst.
 */
function useBatchedReducer(initial: LabRuntime) {
  const [state, apply] = useReducer(reduce, initial);
  const pending = useRef<Action[]>([]);
  const scheduled = useRef<number | undefined>(undefined);
  useEffect(() => () => cancelAnimationFrame(scheduled.current ?? 0), []);
  const dispatch = useCallback((...actions: Action[]) => {
    pending.current.push(...actions);
    scheduled.current ??= requestAnimationFrame(() => {
      scheduled.current = undefined;
      apply(pending.current.splice(0));
    });
  }, []);
  return [state, dispatch] as const;
}

/** `streamUrl` is undefined until the tab's stream can open (the page shows the snapshot meanwhile). */
export function useLabRuntime(
  streamUrl: string | undefined,
  snapshot: { own: readonly TraceEvent[]; others: readonly RequestLine[] },
): LabRuntime {
  const [runtime, dispatch] = useBatchedReducer({ events: snapshot.own, lines: snapshot.others, pushes: [] });
  useTabEvent(
    streamUrl,
    "trace",
    useCallback(
      (data: string) => dispatch(received("trace", data), { type: "event", event: JSON.parse(data) as TraceEvent }),
      [dispatch],
    ),
  );
  useTabEvent(
    streamUrl,
    "timeline",
    useCallback(
      (data: string) =>
        dispatch(
          received("timeline", data),
          ...(JSON.parse(data) as RequestLine[]).map((line) => ({ type: "line" as const, line })),
        ),
      [dispatch],
    ),
  );
  useTabEvent(
    streamUrl,
    "chat",
    useCallback((data: string) => dispatch(received("chat", data)), [dispatch]),
  );
  useTabEvent(
    streamUrl,
    "counter",
    useCallback((data: string) => dispatch(received("counter", data)), [dispatch]),
  );
  return runtime;
}
