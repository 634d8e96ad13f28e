import type { ServerResponse } from "node:http";

/**
 * A server-sent event stream written straight to the Node response, safe to write to from timers
 * and other requests: `send` never throws (a closed stream just says false); the stream ends when
 * the connection closes, and a client that does not read fast enough is dropped, with a last
 * `closed` event saying why, once its unsent backlog passes `MAX_BACKLOG_BYTES`.
 *
 * Each frame is encoded once, and that buffer is shared by every stream it is sent to: a broadcast
 * to 10,000 streams costs 10,000 socket writes, nothing more (docs/decisions/0006 and 0007).
 */
export interface SseFrame {
  readonly event: string;
  readonly data: string;
  readonly id?: string;
}

export interface SseChannel {
  /** False once the stream is closed (the caller should forget it). */
  send(frame: SseFrame): boolean;
  close(reason: string): void;
}

const encoded = new WeakMap<SseFrame, Buffer>();

function encode(frame: SseFrame): Buffer {
  let bytes = encoded.get(frame);
  if (!bytes) {
    const data = frame.data.split("\n").map((line) => `data: ${line}\n`).join("");
    bytes = Buffer.from(`${frame.id ? `id: ${frame.id}\n` : ""}event: ${frame.event}\n${data}\n`);
    encoded.set(frame, bytes);
  }
  return bytes;
}

export const MAX_BACKLOG_BYTES = 1024 * 1024;
/** How long a dropped slow client gets to take its last bytes before its socket is destroyed. */
const LAST_WORDS_MS = 5_000;

export const SSE_HEADERS = {
  "Content-Type": "text/event-stream; charset=utf-8",
  "Cache-Control": "no-cache",
  Connection: "keep-alive",
  "X-Accel-Buffering": "no",
} as const;

/**
 * Starts the stream on `res` (status 200, headers sent at once) and calls `open` with its channel;
 * `open` returns the cleanup that runs exactly once when the stream ends, however it ends.
 */
export function openSseStream(res: ServerResponse, open: (channel: SseChannel) => () => void, onClose?: (reason: string) => void): void {
  let closed = false;
  let cleanup: (() => void) | undefined;
  const finish = (reason: string, tell: boolean) => {
    if (closed) return;
    closed = true;
    res.off("close", onDisconnect);
    cleanup?.();
    onClose?.(reason);
    if (res.destroyed || res.writableEnded) return;
    if (!tell) return void res.end();
    res.end(encode({ event: "closed", data: JSON.stringify({ reason }) }));
    // A client that stopped reading may never take the backlog: its memory is not kept for it.
    const destroy = setTimeout(() => res.destroy(), LAST_WORDS_MS);
    destroy.unref();
    res.once("close", () => clearTimeout(destroy));
  };
  const onDisconnect = () => finish("client disconnected", false);
  const channel: SseChannel = {
    send(frame) {
      if (closed) return false;
      if (res.destroyed) {
        finish("client gone", false);
        return false;
      }
      if (res.writableLength > MAX_BACKLOG_BYTES) {
        finish("slow consumer: it fell too far behind", true);
        return false;
      }
      res.write(encode(frame));
      return true;
    },
    close: (reason) => finish(reason, true),
  };
  res.on("close", onDisconnect);
  // A write racing a reset connection reports here, not as an uncaught exception.
  res.on("error", onDisconnect);
  res.writeHead(200, SSE_HEADERS);
  res.flushHeaders();
  res.socket?.setNoDelay(true);
  const stop = open(channel);
  // The stream may already have ended during `open` (a replaced tab, a replay failure).
  if (closed) stop();
  else cleanup = stop;
}

/**
 * Ties a subscription that starts asynchronously (a replay from the database first) to a stream's
 * life: returns the stream's cleanup. A stream that ends before the subscription is ready stops it
 * as soon as it is; a subscription that cannot start closes the stream with `reason`.
 */
export function subscribeWhileOpen(channel: SseChannel, start: Promise<() => void>, reason: string, log: (error: unknown) => void): () => void {
  let unsubscribe: (() => void) | undefined;
  let ended = false;
  start.then(
    (stop) => (ended ? stop() : (unsubscribe = stop)),
    (error: unknown) => {
      log(error);
      channel.close(reason);
    },
  );
  return () => {
    ended = true;
    unsubscribe?.();
  };
}
