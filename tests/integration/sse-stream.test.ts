import { createServer, type Server, type ServerResponse } from "node:http";
import { connect, type Socket } from "node:net";
import type { AddressInfo } from "node:net";
import type { Response as ExpressResponse } from "express";
import pino from "pino";
import { eventStream } from "remix-utils/sse/server";
import { afterEach, describe, expect, it } from "vitest";
import { LIVE_STREAM_HEADERS, liveStream } from "#app/http/live-stream.ts";
import { frame, LIVE_FEED, type Frame, type StreamSink } from "#app/models/live-feed.ts";
import { createLiveFeed, type Subscription } from "#app/services/live-feed.server.ts";
import { writeEventStream } from "#server/streams/event-stream-writer.ts";
import { createResponseConnections } from "#server/streams/response-connection.ts";

/**
 * An event stream's own guarantees, on a real node:http server and raw sockets, built the way the
 * routes build it: remix-utils' `eventStream` whose init is `liveStream` (app/http), fed by a
 * live-feed hub, written by the server's `writeEventStream` onto a response whose connection the
 * server measures. A client that stops reading is dropped once its unsent backlog passes the cap
 * (and told why), so it cannot grow the server's memory; a reading client is never dropped; nothing
 * throws or leaks when a client vanishes.
 */
interface Opened {
  readonly subscription: Subscription<null>;
  /** The sink the hub writes to (the real one, watched). */
  readonly sink: StreamSink;
  /** Resolves with the reason the stream ended ("client disconnected" when nobody gave one), once its connection has closed. */
  readonly closed: Promise<string>;
  /** The reason the server gave in its last frame, once it gave one. */
  told: () => string | undefined;
  cleanups: number;
  /** Bytes this stream holds in the process now, counted here (not by the hub), and the most seen at any send. */
  held: () => number;
  maxHeld: () => number;
}

let server: Server | undefined;
afterEach(
  () =>
    new Promise<void>((resolve) => {
      server?.closeAllConnections();
      return server ? server.close(() => resolve()) : resolve();
    }),
);

const hub = createLiveFeed<null, never>({
  adapter: {
    missed: async () => [],
    audience: () => undefined,
    frame: () => frame("never", ""),
    resync: frame("resync", ""),
  },
  log: pino({ level: "silent" }),
});
const connections = createResponseConnections();

/** A frame's bytes as the SSE format spells them, counted independently of `frame()`. */
const wireBytes = (sent: Frame) =>
  Buffer.byteLength(
    `${sent.id ? `id: ${sent.id}\n` : ""}event: ${sent.event}\n${sent.data
      .split("\n")
      .map((line) => `data: ${line}\n`)
      .join("")}\n`,
  );

/** A server whose every request becomes a live stream; resolves with the next stream opened. */
async function streamServer(): Promise<{ port: number; next: () => Promise<Opened> }> {
  const waiting: ((opened: Opened) => void)[] = [];
  server = createServer((_req, res: ServerResponse) => {
    // What reached the response (before the server's own counting), to measure the backlog independently.
    let intoResponse = 0;
    const write = res.write.bind(res) as (chunk: Uint8Array) => boolean;
    res.write = ((chunk: Uint8Array) => ((intoResponse += chunk.byteLength), write(chunk))) as ServerResponse["write"];
    let accepted = 0;
    let maxHeld = 0;
    let told: string | undefined;
    let reportClose: (reason: string) => void = () => undefined;
    const opened: Opened = {
      subscription: undefined as unknown as Subscription<null>,
      sink: undefined as unknown as StreamSink,
      closed: new Promise((resolve) => (reportClose = resolve)),
      cleanups: 0,
      told: () => told,
      held: () => accepted - intoResponse + res.writableLength,
      maxHeld: () => maxHeld,
    };
    const disconnect = new AbortController();
    res.on("close", () => disconnect.abort());
    const response = eventStream(
      disconnect.signal,
      liveStream(
        connections.connectionOf(res as unknown as ExpressResponse),
        () => reportClose(told ?? "client disconnected"),
        (sink) => {
          const watched: StreamSink = {
            write(next) {
              const ok = sink.write(next);
              if (ok) accepted += wireBytes(next);
              if (next.event === "closed") told = (JSON.parse(next.data) as { reason: string }).reason;
              maxHeld = Math.max(maxHeld, opened.held());
              return ok;
            },
            end: () => sink.end(),
            cut: () => sink.cut(),
            taken: () => sink.taken(),
          };
          const subscription = hub.subscribe({ topic: "test", viewer: null }, watched);
          Object.assign(opened, { subscription, sink });
          return () => {
            opened.cleanups += 1;
            hub.unsubscribe(subscription);
          };
        },
      ),
      { headers: LIVE_STREAM_HEADERS },
    );
    res.writeHead(200, Object.fromEntries(response.headers));
    res.flushHeaders();
    writeEventStream(response.body as ReadableStream<Uint8Array>, res);
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

/** The body the response carries (HTTP chunks joined), up to its last (empty) chunk. */
const readResponse = (socket: Socket) =>
  new Promise<string>((resolve) => {
    let raw = Buffer.alloc(0);
    const body = () => {
      const text = raw.toString("latin1");
      let rest = text.slice(text.indexOf("\r\n\r\n") + 4);
      let out = "";
      for (;;) {
        const lineEnd = rest.indexOf("\r\n");
        const size = Number.parseInt(rest.slice(0, lineEnd), 16);
        if (lineEnd === -1 || Number.isNaN(size) || rest.length < lineEnd + 2 + size + 2) return { out, ended: false };
        if (size === 0) return { out, ended: true };
        out += rest.slice(lineEnd + 2, lineEnd + 2 + size);
        rest = rest.slice(lineEnd + 2 + size + 2);
      }
    };
    socket.on("data", (chunk: Buffer) => {
      raw = Buffer.concat([raw, chunk]);
      if (raw.toString("latin1").endsWith("\r\n0\r\n\r\n")) resolve(body().out);
    });
    socket.on("close", () => resolve(body().out));
  });

const BIG = "x".repeat(64 * 1024);
const tick = () => new Promise((resolve) => setImmediate(resolve));

/** A server and one raw client on it, with the stream the server opened for it. */
async function openStream(): Promise<{ socket: Socket; stream: Opened }> {
  const { port, next } = await streamServer();
  const socket = rawClient(port);
  return { socket, stream: await next() };
}

describe("a live event stream", () => {
  it("drops a client that stops reading once its backlog passes 1 MiB, and tells it why", async () => {
    const { socket, stream } = await openStream();
    socket.pause();
    let sent = 0;
    // Far more than the socket's kernel buffers hold: the backlog has to build up in the process.
    while (sent < 2_000 && stream.told() === undefined) {
      hub.send(stream.subscription, frame("chat", BIG, String(sent + 1)));
      sent += 1;
      if (sent % 16 === 0) await tick();
    }
    expect(stream.told()).toBe("slow consumer: it fell too far behind");
    expect(sent).toBeLessThan(2_000);
    expect(stream.maxHeld()).toBeLessThanOrEqual(LIVE_FEED.maxUnsentBytes + BIG.length + 512);
    expect(stream.sink.write(frame("chat", "after"))).toBe(false);
    // Ended but not closed: it keeps its slot and the hub still counts it until its connection closes.
    expect(stream.cleanups).toBe(0);
    expect(hub.indexSizes()).toMatchObject({ streams: 0, closing: 1 });
    // Reading again, the client gets what was queued and then the reason, and the stream ends.
    const text = readResponse(socket);
    socket.resume();
    expect(await text).toMatch(/event: closed\ndata: \{"reason":"slow consumer: it fell too far behind"\}\n\n$/);
    expect(await stream.closed).toBe("slow consumer: it fell too far behind");
    expect(stream.cleanups).toBe(1);
    expect(hub.indexSizes()).toEqual({ streams: 0, keys: 0, topicMembers: 0, closing: 0 });
  });

  it("cuts an ended stream's connection when asked, letting go of what it held", async () => {
    const { socket, stream } = await openStream();
    socket.pause();
    for (let sent = 1; stream.held() < LIVE_FEED.maxUnsentBytes / 2; sent++) {
      hub.send(stream.subscription, frame("chat", BIG, String(sent)));
      await tick();
    }
    hub.drop(stream.subscription, "asked to go");
    expect(hub.indexSizes()).toMatchObject({ closing: 1 });
    stream.sink.cut();
    expect(await stream.closed).toBe("asked to go");
    expect(stream.cleanups).toBe(1);
    expect(hub.indexSizes()).toMatchObject({ closing: 0 });
    expect(connections.listeners()).toBe(0);
  });

  it("never drops a client that keeps reading, however much is sent", async () => {
    const { socket, stream } = await openStream();
    const text = readResponse(socket);
    let closed = false;
    void stream.closed.then(() => (closed = true));
    for (let i = 1; i <= 100; i++) {
      hub.send(stream.subscription, frame("chat", BIG, String(i)));
      expect(closed).toBe(false);
      // A reader slower than this loop: let it catch up to a few frames behind, then send again.
      while (stream.held() > 8 * BIG.length) await tick();
    }
    hub.drop(stream.subscription, "done");
    const body = await text;
    expect(body.match(/event: chat\n/g)).toHaveLength(100);
    expect(await stream.closed).toBe("done");
  });

  it("forgets a client that disconnects: the cleanup runs once and a later send says false without throwing", async () => {
    const { socket, stream } = await openStream();
    expect(stream.sink.write(frame("ping", ""))).toBe(true);
    socket.destroy();
    expect(await stream.closed).toBe("client disconnected");
    expect(() => hub.send(stream.subscription, frame("chat", "late"))).not.toThrow();
    expect(stream.sink.write(frame("chat", "late"))).toBe(false);
    hub.drop(stream.subscription, "twice");
    expect(stream.cleanups).toBe(1);
    expect(hub.indexSizes()).toEqual({ streams: 0, keys: 0, topicMembers: 0, closing: 0 });
    expect(connections.listeners()).toBe(0);
  });

  it("tells what a stream has not sent yet: it grows while the client does not read and falls back once it does", async () => {
    const { socket, stream } = await openStream();
    socket.pause();
    // Until the kernel's buffers are full and a quarter of the cap waits in the process (below the cap).
    let sent = 0;
    while (stream.held() < LIVE_FEED.maxUnsentBytes / 4 && sent < 64) {
      hub.send(stream.subscription, frame("chat", BIG, String(++sent)));
      await tick();
    }
    const unsent = hub.unsentBytes(stream.subscription);
    expect(unsent).toBeGreaterThanOrEqual(LIVE_FEED.maxUnsentBytes / 4);
    expect(unsent).toBe(stream.held());
    const text = readResponse(socket);
    socket.resume();
    await expect.poll(() => hub.unsentBytes(stream.subscription), { timeout: 5_000 }).toBe(0);
    hub.drop(stream.subscription, "done");
    expect((await text).match(/event: chat\n/g)).toHaveLength(sent);
  });
});
