import type { ServerResponse } from "node:http";

/**
 * Writes a `text/event-stream` body (remix-utils' `eventStream`) onto the Node response, in place of
 * @react-router/node 7.18.4's `writeReadableStreamToWritable`, which does two things a stream that
 * stays open for hours cannot afford (docs/decisions/0023):
 * - it races every chunk it reads against one promise that settles only when the response fails, and
 *   each race leaves a reaction on that promise holding the chunk: a live stream keeps every frame it
 *   ever sent (remix-run/react-router#15247, fixed upstream after 7.18.4);
 * - it writes each chunk on its own, and `eventStream` enqueues a frame as three or more (id, event,
 *   data lines): three HTTP chunks, a dozen socket writes and as many promises per frame per stream.
 * Here the chunks read in one tick go out as one `res.write` on the next (one HTTP chunk, one socket
 * write per stream per tick, however many frames), no read waits while the response waits to drain
 * (backpressure), and the reader is cancelled when the connection closes. Reads are chained with
 * `then`, not awaited in a loop: it is the hottest path of a broadcast, and cheaper that way.
 */
export function writeEventStream(body: ReadableStream<Uint8Array>, res: ServerResponse): void {
  const reader = body.getReader();
  let pending: Uint8Array[] = [];
  let gone = false;
  /** The response asked to wait for `drain`; `waiting`: no read is pending meanwhile. */
  let full = false;
  let waiting = false;

  const flush = () => {
    if (pending.length === 0 || gone) return;
    const chunk = pending.length === 1 ? (pending[0] as Uint8Array) : Buffer.concat(pending);
    pending = [];
    // Past the response's high-water mark: read nothing more until it drains.
    if (!res.write(chunk)) full = true;
  };
  const finish = () => {
    res.off("close", onClose);
    res.off("drain", onDrain);
    reader.releaseLock();
  };
  const read = () => void reader.read().then(onRead, onError);
  const onRead = ({ done, value }: ReadableStreamReadResult<Uint8Array>) => {
    if (gone) return finish();
    if (done) {
      flush();
      res.end();
      return finish();
    }
    if (pending.push(value) === 1) process.nextTick(flush);
    if (full) waiting = true;
    else read();
  };
  const onError = () => {
    // the stream failed (or was cancelled under us): the connection cannot carry on
    if (!gone) res.destroy();
    finish();
  };
  const onDrain = () => {
    full = false;
    if (!waiting) return;
    waiting = false;
    read();
  };
  const onClose = () => {
    gone = true;
    pending = [];
    reader.cancel().catch(() => undefined);
    if (waiting) finish();
  };
  res.once("close", onClose);
  res.on("drain", onDrain);
  read();
}
