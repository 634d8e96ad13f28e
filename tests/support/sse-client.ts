import { request, type IncomingHttpHeaders } from "node:http";
import type { ChatMessageView, ChatStreamEvent } from "#app/models/chat.ts";

/**
 * A small server-sent events client over node:http for the integration tests: it sends whatever
 * headers it is given (cookie, Last-Event-ID, Accept-Encoding), parses the stream into frames as the
 * EventSource spec does (id/event/data fields, blank line dispatches, CRLF/LF/CR line ends, comments
 * ignored), records each frame with the time it arrived, and can be closed at any moment.
 */
export interface SseEvent {
  /** The `id:` field of this very frame; undefined when the frame had none. */
  readonly id: string | undefined;
  /** The stream's last event id after this frame (the EventSource's `lastEventId`). */
  readonly lastEventId: string;
  /** "message" when the frame names none. */
  readonly event: string;
  readonly data: string;
  /** performance.now() when the frame was complete. */
  readonly receivedAt: number;
}

export interface SseStream {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  /** Every frame so far, in arrival order. */
  readonly frames: SseEvent[];
  /** The last id the server set (what an EventSource would send back as Last-Event-ID); "" before any. */
  readonly lastEventId: string;
  /** True once the server ended the response or the connection failed. */
  readonly ended: boolean;
  /** Resolves when the stream ends, whoever ends it. */
  readonly done: Promise<void>;
  /** The body as read when the response is not an event stream (an error answer). */
  readonly text: () => string;
  /**
   * Resolves with the frames once `predicate` holds for the frames so far (checked at each frame);
   * rejects after `timeoutMs`, or when the stream ends first, with what arrived.
   */
  waitFor(predicate: (frames: readonly SseEvent[]) => boolean, timeoutMs?: number, what?: string): Promise<SseEvent[]>;
  /** Drops the connection (the client goes away). */
  close(): void;
}

export interface SseOptions {
  readonly headers?: Record<string, string>;
  /** Give up on the response headers after this long. */
  readonly connectTimeoutMs?: number;
}

export function openSse(url: string | URL, options: SseOptions = {}): Promise<SseStream> {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request(target, {
      method: "GET",
      agent: false,
      headers: { accept: "text/event-stream", ...options.headers },
    });
    const timer = setTimeout(() => {
      req.destroy(new Error(`no response from ${target.href} within ${options.connectTimeoutMs ?? 10_000} ms`));
    }, options.connectTimeoutMs ?? 10_000);
    req.once("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    req.once("response", (res) => {
      clearTimeout(timer);
      const frames: SseEvent[] = [];
      const waiters = new Set<() => void>();
      let lastEventId = "";
      let ended = false;
      let raw = "";
      let buffer = "";
      // The frame being assembled.
      let data: string[] = [];
      let event = "";
      let frameId: string | undefined;

      const notify = () => {
        for (const waiter of [...waiters]) waiter();
      };
      const dispatch = () => {
        if (data.length === 0 && frameId === undefined && event === "") return;
        if (data.length > 0) {
          frames.push({
            id: frameId,
            lastEventId,
            event: event || "message",
            data: data.join("\n"),
            receivedAt: performance.now(),
          });
        }
        data = [];
        event = "";
        frameId = undefined;
      };
      const line = (text: string) => {
        if (text === "") return dispatch();
        if (text.startsWith(":")) return;
        const colon = text.indexOf(":");
        const field = colon === -1 ? text : text.slice(0, colon);
        let value = colon === -1 ? "" : text.slice(colon + 1);
        if (value.startsWith(" ")) value = value.slice(1);
        if (field === "data") data.push(value);
        else if (field === "event") event = value;
        else if (field === "id" && !value.includes("\0")) {
          frameId = value;
          lastEventId = value;
        }
      };

      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        raw += chunk.length + raw.length < 1 << 20 ? chunk : "";
        buffer += chunk;
        const before = frames.length;
        for (;;) {
          const match = /\r\n|\n|\r/.exec(buffer);
          if (!match) break;
          // A lone CR at the very end may be the first half of CRLF: wait for more.
          if (match[0] === "\r" && match.index === buffer.length - 1) break;
          line(buffer.slice(0, match.index));
          buffer = buffer.slice(match.index + match[0].length);
        }
        if (frames.length !== before) notify();
      });
      let finish: () => void;
      const done = new Promise<void>((resolveDone) => (finish = resolveDone));
      const end = () => {
        if (ended) return;
        ended = true;
        finish();
        notify();
      };
      res.once("end", end);
      res.once("close", end);
      res.once("error", end);
      req.once("close", end);

      const stream: SseStream = {
        status: res.statusCode ?? 0,
        headers: res.headers,
        frames,
        get lastEventId() {
          return lastEventId;
        },
        get ended() {
          return ended;
        },
        done,
        text: () => raw,
        waitFor(predicate, timeoutMs = 10_000, what = "the expected frames") {
          return new Promise((resolveWait, rejectWait) => {
            const check = () => {
              if (predicate(frames)) {
                cleanup();
                resolveWait([...frames]);
              } else if (ended) {
                cleanup();
                rejectWait(new Error(`stream ended before ${what}; frames: ${describe(frames)}`));
              }
            };
            const timeout = setTimeout(() => {
              cleanup();
              rejectWait(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; frames: ${describe(frames)}`));
            }, timeoutMs);
            const cleanup = () => {
              clearTimeout(timeout);
              waiters.delete(check);
            };
            waiters.add(check);
            check();
          });
        },
        close() {
          req.destroy();
          res.destroy();
        },
      };
      resolve(stream);
    });
    req.end();
  });
}

function describe(frames: readonly SseEvent[]): string {
  const shown = frames
    .slice(-20)
    .map((frame) => `${frame.id ? `#${frame.id} ` : ""}${frame.event} ${frame.data.slice(0, 160)}`);
  return `${frames.length} [${frames.length > 20 ? "…, " : ""}${shown.join(" | ")}]`;
}

/** The chat stream's payloads (DESIGN.md): what `event: chat` frames carry. */
export interface ChatFrame {
  /** The frame's own `id:` field. */
  readonly sseId: string | undefined;
  readonly receivedAt: number;
  readonly payload: ChatStreamEvent;
}

/** The `event: chat` frames of a stream, parsed. */
export function chatFrames(frames: readonly SseEvent[]): ChatFrame[] {
  return frames
    .filter((frame) => frame.event === "chat")
    .map((frame) => ({
      sseId: frame.id,
      receivedAt: frame.receivedAt,
      payload: JSON.parse(frame.data) as ChatStreamEvent,
    }));
}

/** The new messages (type "message") a stream carried, in arrival order. */
export function chatMessages(
  frames: readonly SseEvent[],
): (ChatMessageView & { readonly sseId: string | undefined })[] {
  return chatFrames(frames).flatMap((frame) =>
    frame.payload.type === "message" ? [{ ...frame.payload.message, sseId: frame.sseId }] : [],
  );
}

/** Resolves once a `chat` message frame whose body is `body` has arrived. */
export function waitForBody(stream: SseStream, body: string, timeoutMs = 10_000) {
  return stream.waitFor(
    (frames) => chatMessages(frames).some((message) => message.body === body),
    timeoutMs,
    `a message "${body.slice(0, 60)}"`,
  );
}
