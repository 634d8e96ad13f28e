import type { Response } from "express";
import type { ResponseConnection } from "#app/http/live-stream.ts";

/**
 * The connection under an Express response, for answers that stay open (app/http/live-stream.ts):
 * its close, heard first and held by the response itself (not by an AbortSignal a garbage collection
 * can unlink, STACK.md); how much of the body the socket has taken (every byte written through
 * `res.write` is counted, less what still waits in the response and its socket); and a hard stop.
 * `listeners()` counts the close listeners registered and not yet run or removed: zero once every
 * stream has ended (the churn test reads it).
 */
export function createResponseConnections() {
  let listeners = 0;

  function connectionOf(res: Response): ResponseConnection {
    let written = 0;
    const write = res.write as (this: Response, chunk: unknown, encoding?: unknown, callback?: unknown) => boolean;
    res.write = function (this: Response, chunk: unknown, encoding?: unknown, callback?: unknown) {
      written +=
        typeof chunk === "string" ? Buffer.byteLength(chunk) : ArrayBuffer.isView(chunk) ? chunk.byteLength : 0;
      return write.call(this, chunk, encoding, callback);
    } as Response["write"];
    return {
      onClose(listener) {
        let registered = true;
        listeners += 1;
        const forget = () => {
          if (registered) listeners -= 1;
          registered = false;
          res.off("close", once);
        };
        const once = () => {
          forget();
          listener();
        };
        if (res.closed) queueMicrotask(() => registered && once());
        else res.prependListener("close", once);
        return forget;
      },
      taken: () => Math.max(0, written - res.writableLength),
      destroy: () => void res.destroy(),
    };
  }

  return { connectionOf, listeners: () => listeners };
}
