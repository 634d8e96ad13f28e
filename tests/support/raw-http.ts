import { request, type Agent, type ClientRequest, type IncomingHttpHeaders, type OutgoingHttpHeaders } from "node:http";
import { connect } from "node:net";
import { brotliDecompressSync, gunzipSync, inflateSync } from "node:zlib";

/**
 * HTTP below fetch, for the edge's tests: any method (fetch refuses TRACE), any header, a body that
 * is declared but never finished, and raw bytes that are not HTTP at all.
 */
export interface Answer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  /** From sending the headers to the end of the answer. */
  readonly ms: number;
}

export interface RawRequest {
  readonly method?: string;
  readonly headers?: OutgoingHttpHeaders;
  readonly body?: string | Buffer;
  /** False: send the body (if any) but never finish the request, as a slow client would. */
  readonly finish?: boolean;
  readonly agent?: Agent;
}

/** One request over node:http; an event stream's answer ends at its headers (the connection is dropped). */
export function httpRequest(
  url: URL,
  { method = "GET", headers = {}, body, finish = true, agent }: RawRequest = {},
): { answer: Promise<Answer>; request: ClientRequest } {
  const started = performance.now();
  const req = request(url, { method, headers, agent });
  const answer = new Promise<Answer>((resolve, reject) => {
    req.on("response", (res) => {
      const done = (text: string) =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text, ms: performance.now() - started });
      if (res.headers["content-type"]?.startsWith("text/event-stream")) {
        req.destroy();
        return done("");
      }
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => done(decoded(Buffer.concat(chunks), res.headers["content-encoding"]).toString("utf8")));
      res.on("error", reject);
    });
    req.on("error", reject);
  });
  if (finish) req.end(body);
  else {
    req.flushHeaders();
    if (body !== undefined) req.write(body);
  }
  return { answer, request: req };
}

/** node:http does not undo Content-Encoding (fetch does): whatever the server chose from the client's Accept-Encoding. */
function decoded(body: Buffer, encoding: string | undefined): Buffer {
  if (body.length === 0) return body;
  if (encoding === "gzip") return gunzipSync(body);
  if (encoding === "deflate") return inflateSync(body);
  if (encoding === "br") return brotliDecompressSync(body);
  return body;
}

/** Bytes written straight to the socket; resolves with everything the server sent before it closed. */
export function sendRaw(url: URL, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(Number(url.port), url.hostname, () => socket.write(text));
    let received = "";
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => (received += chunk));
    socket.on("close", () => resolve(received));
    socket.on("error", reject);
  });
}
