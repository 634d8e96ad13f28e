/**
 * A server-sent event stream for a resource route, safe to write to from timers and other
 * requests: `send` never throws (a closed or cancelled stream just says false); the stream ends
 * when the connection closes (`disconnected`), and a client that does not read fast enough is
 * dropped with a last `closed` event saying why once its unread backlog passes `MAX_BACKLOG_BYTES`.
 *
 * Each frame is encoded once, into one chunk, and that chunk is shared by every stream it is sent
 * to: a broadcast to 10,000 streams costs 10,000 enqueues, not 10,000 encodings
 * (docs/decisions/0006).
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

const encoded = new WeakMap<SseFrame, Uint8Array>();

function encode(frame: SseFrame): Uint8Array {
  let bytes = encoded.get(frame);
  if (!bytes) {
    const data = frame.data.split("\n").map((line) => `data: ${line}\n`).join("");
    bytes = Buffer.from(`${frame.id ? `id: ${frame.id}\n` : ""}event: ${frame.event}\n${data}\n`);
    encoded.set(frame, bytes);
  }
  return bytes;
}

const HIGH_WATER_MARK = 64 * 1024;
const MAX_BACKLOG_BYTES = 1024 * 1024;

export function sseResponse(
  disconnected: AbortSignal,
  open: (channel: SseChannel) => () => void,
  { onClose }: { onClose?: (reason: string) => void } = {},
): Response {
  let finish: (reason: string, tell: boolean) => void = () => undefined;
  const stream = new ReadableStream<Uint8Array>(
    {
      start(controller) {
        let closed = false;
        let cleanup: (() => void) | undefined;
        const onAbort = () => finish("client disconnected", false);
        finish = (reason, tell) => {
          if (closed) return;
          closed = true;
          disconnected.removeEventListener("abort", onAbort);
          cleanup?.();
          onClose?.(reason);
          try {
            if (tell) controller.enqueue(encode({ event: "closed", data: JSON.stringify({ reason }) }));
            controller.close();
          } catch {
            // already cancelled by the client
          }
        };
        const channel: SseChannel = {
          send(frame) {
            if (closed) return false;
            // desiredSize falls below zero by the bytes queued beyond the high-water mark.
            if ((controller.desiredSize ?? 0) < HIGH_WATER_MARK - MAX_BACKLOG_BYTES) {
              finish("slow consumer: it fell too far behind", true);
              return false;
            }
            try {
              controller.enqueue(encode(frame));
              return true;
            } catch {
              finish("client gone", false);
              return false;
            }
          },
          close: (reason) => finish(reason, true),
        };
        disconnected.addEventListener("abort", onAbort);
        const stop = open(channel);
        // The stream may already have ended during `open` (a replaced tab, a replay failure).
        if (closed) stop();
        else cleanup = stop;
        if (disconnected.aborted) onAbort();
      },
      cancel() {
        finish("client gone", false);
      },
    },
    new ByteLengthQueuingStrategy({ highWaterMark: HIGH_WATER_MARK }),
  );
  return new Response(stream, {
    headers: { "Content-Type": "text/event-stream", "Cache-Control": "no-cache", Connection: "keep-alive", "X-Accel-Buffering": "no" },
  });
}
