import { Transform } from "node:stream";

/**
 * A document's body as React writes it, passed on in one chunk per turn of the event loop. React
 * writes a page in dozens of pieces of about 2 kB, and `@react-router/express` writes (and flushes)
 * each piece on its own: through compression every write costs tens of microseconds of zlib set-up,
 * more than compressing the whole page at once (bench/README.md, page throughput). A whole document
 * now goes on as one chunk; a streamed one as its shell, then each deferred panel as it is ready.
 * `done` runs once React has written everything.
 */
export function documentBody(done: () => void): Transform {
  let pending: Buffer[] = [];
  let scheduled = false;
  const release = () => {
    scheduled = false;
    if (pending.length === 0) return;
    const batch = pending.length === 1 ? pending[0] : Buffer.concat(pending);
    pending = [];
    body.push(batch);
  };
  const body = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      pending.push(chunk);
      if (!scheduled) {
        scheduled = true;
        setImmediate(release);
      }
      callback();
    },
    flush(callback) {
      done();
      release();
      callback();
    },
  });
  return body;
}
