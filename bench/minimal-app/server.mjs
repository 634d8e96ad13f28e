// The baseline server of the page-throughput benchmark: the minimal React Router app
// (bench/minimal-app, built into ./build) behind Express 5 and @react-router/express's
// createRequestHandler in production mode, with the static-file handlers a React Router
// deployment has and nothing else (no request ids, logging, security headers, compression or
// sessions). Binds 127.0.0.1 only; prints {"port": <port>} on stdout once listening.
//
//   NODE_ENV=production PORT=0 node bench/minimal-app/server.mjs
import { createRequestHandler } from "@react-router/express";
import express from "express";

const build = await import(new URL("./build/server/index.js", import.meta.url).href);
const clientDir = new URL("./build/client", import.meta.url).pathname;

const app = express();
app.disable("x-powered-by");
// The same static handlers as glassbox's builtAssets (server/http/http.ts), so a page request passes the same file lookups.
app.use(
  "/assets",
  express.static(`${clientDir}/assets`, { immutable: true, maxAge: "1y", index: false, fallthrough: false }),
);
app.use(express.static(clientDir, { maxAge: "1h", index: false }));
app.use(createRequestHandler({ build, mode: "production" }));

const server = app.listen(Number(process.env.PORT ?? 0), "127.0.0.1", () => {
  process.stdout.write(`${JSON.stringify({ port: server.address().port })}\n`);
});

function stop() {
  server.close(() => process.exit(0));
  server.closeIdleConnections();
  setTimeout(() => process.exit(0), 3_000).unref();
}
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
// Started by a benchmark with an IPC channel: stop when the benchmark goes away.
process.on("disconnect", stop);
