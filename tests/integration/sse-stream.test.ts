import { createServer, type Server } from "node:http";
import { connect, type Socket } from "node:net";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { MAX_BACKLOG_BYTES, openSseStream, type SseChannel } from "../../server/sse-stream.ts";

/**
 * The event stream's own guarantees, on a real node:http server and raw sockets: a client that stops
 * reading is dropped once its backlog passes the cap (and told why), a reading client is never
 * dropped, and nothing throws or leaks when a client vanishes.
 */
interface Opened {
  readonly channel: SseChannel;
  readonly closed: Promise<string>;
  cleanups: number;
  /** Bytes written but not yet taken by the socket, now and at most (sampled at each send). */
  backlog: () => number;
  maxBacklog: () => number;
}

let server: Server | undefined;
afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

/** A server whose every request becomes a stream; resolves with the next stream opened. */
async function streamServer(): Promise<{ port: number; next: () => Promise<Opened> }> {
  const waiting: ((opened: Opened) => void)[] = [];
  server = createServer((_req, res) => {
    let reportClose: (reason: string) => void = () => undefined;
    let maxBacklog = 0;
    const opened: Opened = {
      channel: undefined as unknown as SseChannel,
      closed: new Promise((resolve) => (reportClose = resolve)),
      cleanups: 0,
      backlog: () => res.writableLength,
      maxBacklog: () => maxBacklog,
    };
    openSseStream(
      res,
      (channel) => {
        (opened as { channel: SseChannel }).channel = {
          send: (frame) => {
            maxBacklog = Math.max(maxBacklog, res.writableLength);
            return channel.send(frame);
          },
          close: channel.close,
        };
        return () => (opened.cleanups += 1);
      },
      (reason) => reportClose(reason),
    );
    waiting.shift()?.(opened);
  });
  await new Promise<void>((resolve) => server?.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return { port, next: () => new Promise((resolve) => waiting.push(resolve)) };
}

function rawClient(port: number): Socket {
  const socket = connect(port, "127.0.0.1");
  socket.write("GET /events HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n");
  return socket;
}

/** Everything the response carries, up to its last (empty) chunk. */
const readResponse = (socket: Socket) =>
  new Promise<string>((resolve) => {
    let text = "";
    socket.on("data", (chunk: Buffer) => {
      text += chunk.toString("latin1");
      if (text.endsWith("\r\n0\r\n\r\n")) resolve(text);
    });
    socket.on("close", () => resolve(text));
  });

const BIG = "x".repeat(64 * 1024);
const tick = () => new Promise((resolve) => setImmediate(resolve));

describe("openSseStream", () => {
  it("drops a client that stops reading once its backlog passes 1 MiB, and tells it why", async () => {
    const { port, next } = await streamServer();
    const socket = rawClient(port);
    const stream = await next();
    socket.pause();
    let sent = 0;
    // Far more than the socket's kernel buffers hold: the backlog has to build up in the process.
    while (sent < 2_000 && stream.channel.send({ event: "chat", data: BIG, id: String(sent + 1) })) {
      sent += 1;
      if (sent % 16 === 0) await tick();
    }
    expect(await stream.closed).toBe("slow consumer: it fell too far behind");
    expect(sent).toBeLessThan(2_000);
    expect(stream.maxBacklog()).toBeLessThanOrEqual(MAX_BACKLOG_BYTES + BIG.length + 512);
    expect(stream.channel.send({ event: "chat", data: "after" })).toBe(false);
    expect(stream.cleanups).toBe(1);
    // Reading again, the client gets what was queued and then the reason, and the stream ends.
    const text = readResponse(socket);
    socket.resume();
    expect(await text).toMatch(/event: closed\ndata: \{"reason":"slow consumer: it fell too far behind"\}\n\n/);
  });

  it("never drops a client that keeps reading, however much is sent", async () => {
    const { port, next } = await streamServer();
    const socket = rawClient(port);
    const stream = await next();
    const text = readResponse(socket);
    for (let i = 1; i <= 100; i++) {
      expect(stream.channel.send({ event: "chat", data: BIG, id: String(i) })).toBe(true);
      // A reader slower than this loop: let it catch up to a few frames behind, then send again.
      while (stream.backlog() > 8 * BIG.length) await tick();
    }
    stream.channel.close("done");
    const body = await text;
    expect(body.match(/event: chat\n/g)).toHaveLength(100);
    expect(await stream.closed).toBe("done");
  });

  it("forgets a client that disconnects: the cleanup runs once and a later send says false without throwing", async () => {
    const { port, next } = await streamServer();
    const socket = rawClient(port);
    const stream = await next();
    expect(stream.channel.send({ event: "ping", data: "" })).toBe(true);
    socket.destroy();
    expect(await stream.closed).toBe("client disconnected");
    expect(() => stream.channel.send({ event: "chat", data: "late" })).not.toThrow();
    expect(stream.channel.send({ event: "chat", data: "late" })).toBe(false);
    stream.channel.close("twice");
    expect(stream.cleanups).toBe(1);
  });
});
