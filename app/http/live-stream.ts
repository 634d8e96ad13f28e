import { LIVE_FEED, type Frame, type StreamSink } from "#app/models/live-feed.ts";

/**
 * A live stream as an HTTP answer: the `init` a resource route hands remix-utils' `eventStream`,
 * turning eventStream's `send` and `close` into the hub's `StreamSink` (docs/decisions/0023).
 * - The stream ends when its connection closes, through `ResponseConnection.onClose`: a listener the
 *   connection itself holds, so no garbage collection can lose it (STACK.md), and one that runs
 *   before anything else hears of the close.
 * - `write` never throws: a stream the client cancelled just says false.
 * - A stream the server ends gets `LIVE_FEED.lastWordsMs` to take its last frames; a client that
 *   stopped reading is then cut off, so what it was sent is not kept for it. Until its connection
 *   closes, the stream keeps its slot and the hub keeps counting what it holds (stream-budget.ts).
 */
export interface ResponseConnection {
  /** Calls `listener` once, first, when the connection closes or the response ends; returns its removal. */
  onClose(listener: () => void): () => void;
  /** Body bytes written to the response that the socket has taken so far. */
  taken(): number;
  /** Cuts the connection. */
  destroy(): void;
}

/** eventStream sets the type, `no-cache` and keep-alive; proxies must not buffer it either (nginx). */
export const LIVE_STREAM_HEADERS = { "X-Accel-Buffering": "no" } as const;

/**
 * A stream route's `handle`: its answers stay open, so the server leaves them out of the
 * concurrency cap and the request timeout (the stream caps hold them instead, decision 0016).
 */
export const liveStreamHandle = { liveStream: true } as const;

export function isLiveStreamRoute(module: { readonly handle?: unknown }): boolean {
  return (
    typeof module.handle === "object" &&
    module.handle !== null &&
    "liveStream" in module.handle &&
    module.handle.liveStream === true
  );
}

type Send = (frame: Frame) => void;

/**
 * `open` subscribes the sink and returns what ends the subscription; it and `release` (the stream's
 * slot, stream-quota.ts) run once when the stream ends, however it ends.
 */
export function liveStream(
  connection: ResponseConnection,
  release: () => void,
  open: (sink: StreamSink) => () => void,
) {
  return (send: Send, close: () => void): (() => void) => {
    let live = true;
    /** The server ended the stream: only its connection's close finishes it. */
    let ending = false;
    const shut = () => {
      try {
        close();
      } catch {
        // the client cancelled the stream first: its controller is already closed
      }
    };
    const sink: StreamSink = {
      write(next) {
        if (!live || ending) return false;
        try {
          send(next);
          return true;
        } catch {
          shut();
          return false;
        }
      },
      end() {
        if (!live || ending) return;
        ending = true;
        const cut = setTimeout(connection.destroy, LIVE_FEED.lastWordsMs);
        cut.unref();
        connection.onClose(() => {
          clearTimeout(cut);
          finish();
        });
        shut();
      },
      cut: connection.destroy,
      taken: connection.taken,
    };
    const finish = () => {
      if (!live) return;
      live = false;
      forget();
      stop();
      release();
    };
    const forget = connection.onClose(shut);
    const stop = open(sink);
    // eventStream's cleanup: the client went away, or the server ended the stream (then its connection's close finishes it).
    return () => {
      if (!ending) finish();
    };
  };
}
