import { useCallback, useReducer } from "react";
import type { RequestLine, TraceEvent } from "../../models/trace.ts";
import { useTabEvent } from "../tab-stream.tsx";

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

const KEEP = { events: 500, lines: 200, pushes: 40 } as const;

type Action = { readonly type: "event"; readonly event: TraceEvent } | { readonly type: "line"; readonly line: RequestLine } | { readonly type: "push"; readonly push: Push };

const keepLast = <T,>(list: readonly T[], item: T, cap: number): readonly T[] => (list.length >= cap ? [...list.slice(list.length - cap + 1), item] : [...list, item]);

function reduce(state: LabRuntime, action: Action): LabRuntime {
  switch (action.type) {
    case "event":
      return { ...state, events: keepLast(state.events, action.event, KEEP.events) };
    case "line":
      return { ...state, lines: keepLast(state.lines, action.line, KEEP.lines) };
    case "push":
      return { ...state, pushes: keepLast(state.pushes, action.push, KEEP.pushes) };
  }
}

const received = (event: string, data: string): Action => ({ type: "push", push: { at: new Date().toISOString(), event, bytes: new TextEncoder().encode(data).length } });

export function useLabRuntime(streamUrl: string, snapshot: { own: readonly TraceEvent[]; others: readonly RequestLine[] }): LabRuntime {
  const [runtime, dispatch] = useReducer(reduce, { events: snapshot.own, lines: snapshot.others, pushes: [] });
  useTabEvent(
    streamUrl,
    "trace",
    useCallback((data: string) => {
      dispatch(received("trace", data));
      dispatch({ type: "event", event: JSON.parse(data) as TraceEvent });
    }, []),
  );
  useTabEvent(
    streamUrl,
    "timeline",
    useCallback((data: string) => {
      dispatch(received("timeline", data));
      dispatch({ type: "line", line: JSON.parse(data) as RequestLine });
    }, []),
  );
  useTabEvent(
    streamUrl,
    "chat",
    useCallback((data: string) => dispatch(received("chat", data)), []),
  );
  useTabEvent(
    streamUrl,
    "counter",
    useCallback((data: string) => dispatch(received("counter", data)), []),
  );
  return runtime;
}
