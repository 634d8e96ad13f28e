// The baseline: the smallest honest SSE broadcaster on node:http. No framework, no database.
// GET /events            → 200 text/event-stream, headers flushed, the response is kept open
// POST /broadcast        → the request body (one complete SSE frame) is written to every open stream,
//                          one res.write per stream, then 204 with x-fanout-ms
// GET /stats             → {"open": <number of open streams>}
// Binds 127.0.0.1 only; prints {"port": <port>} on stdout once listening.
import http from "node:http";

const clients = new Set();

const server = http.createServer((req, res) => {
  if (req.method === "GET" && req.url.startsWith("/events")) {
    res.writeHead(200, {
      "Content-Type": "text/event-stream",
      "Cache-Control": "no-cache",
      Connection: "keep-alive",
      "X-Accel-Buffering": "no",
    });
    res.flushHeaders();
    clients.add(res);
    res.on("close", () => clients.delete(res));
    return;
  }
  if (req.method === "POST" && req.url.startsWith("/broadcast")) {
    const parts = [];
    req.on("data", (chunk) => parts.push(chunk));
    req.on("end", () => {
      const frame = Buffer.concat(parts).toString("utf8");
      const started = performance.now();
      for (const client of clients) client.write(frame);
      res.writeHead(204, { "x-fanout-ms": (performance.now() - started).toFixed(2), "x-open": String(clients.size) });
      res.end();
    });
    return;
  }
  if (req.method === "GET" && req.url === "/stats") {
    res.writeHead(200, { "Content-Type": "application/json" });
    res.end(JSON.stringify({ open: clients.size }));
    return;
  }
  res.writeHead(404).end();
});
server.keepAliveTimeout = 60_000;
server.listen(Number(process.env.PORT ?? 0), "127.0.0.1", () => {
  process.stdout.write(`${JSON.stringify({ port: server.address().port })}\n`);
});

function stop() {
  for (const client of clients) client.destroy();
  server.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 2_000).unref();
}
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
process.on("disconnect", stop);
