import { eventStream } from "remix-utils/sse/server";

/**
 * A server-sent event stream built on remix-utils' `eventStream`, made safe to write to from
 * timers and other requests: `send` never throws (a closed or cancelled stream just says false),
 * and a client that does not read fast enough is dropped, with a last `closed` event saying why,
 * once its unread backlog passes `maxBacklogBytes`, instead of growing memory without bound.
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

const frameBytes = (frame: SseFrame) =>
  Buffer.byteLength(frame.data) + frame.data.split("\n").length * 7 + frame.event.length + 9 + (frame.id ? frame.id.length + 5 : 0);

export function sseResponse(
  disconnected: AbortSignal,
  open: (channel: SseChannel) => () => void,
  { maxBacklogBytes = 1 << 20, onClose }: { maxBacklogBytes?: number; onClose?: (reason: string) => void } = {},
): Response {
  let queued = 0;
  let written = 0;
  const response = eventStream(
    disconnected,
    (send, end) => {
      let closed = false;
      const channel: SseChannel = {
        send(frame) {
          if (closed) return false;
          if (queued - written > maxBacklogBytes) {
            channel.close("slow consumer: it fell too far behind");
            return false;
          }
          try {
            send(frame);
          } catch {
            // The client cancelled the stream before the abort signal reached us.
            channel.close("client gone");
            return false;
          }
          queued += frameBytes(frame);
          return true;
        },
        close(reason) {
          if (closed) return;
          try {
            send({ event: "closed", data: JSON.stringify({ reason }) });
          } catch {
            // nothing left to tell
          }
          closed = true;
          onClose?.(reason);
          try {
            end();
          } catch {
            // already cancelled by the client
          }
        },
      };
      const cleanup = open(channel);
      return () => {
        if (!closed) onClose?.("client disconnected");
        closed = true;
        cleanup();
      };
    },
    { headers: { "X-Accel-Buffering": "no" } },
  );
  // Counts what the HTTP response has actually taken, so `queued - written` is the unread backlog,
  // and joins the pieces `eventStream` enqueues per frame (id, event, data lines) into one write
  // per event-loop turn: with thousands of streams, socket writes are what a broadcast costs.
  let pieces: Uint8Array[] = [];
  const counted = response.body?.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        written += chunk.byteLength;
        pieces.push(chunk);
        if (pieces.length > 1) return;
        setImmediate(() => {
          const joined = pieces.length === 1 ? pieces[0] : Buffer.concat(pieces);
          pieces = [];
          try {
            if (joined) controller.enqueue(joined);
          } catch {
            // the response is gone; the stream's own close handles the rest
          }
        });
      },
      flush(controller) {
        if (pieces.length) controller.enqueue(Buffer.concat(pieces));
        pieces = [];
      },
    }),
  );
  return new Response(counted, { headers: response.headers });
}
