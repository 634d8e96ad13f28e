// The load client of the page-throughput benchmark: a process of its own, so the servers measured
// never share an event loop with the load. Drives one target at a time with autocannon
// (keep-alive connections, one request in flight on each) and reports over IPC.
//
// Commands (from the parent, over IPC):
//   {cmd:"run", id, url, connections, seconds, headers} → {type:"ran", id, ...summary of autocannon's result}
//   {cmd:"exit", id}                                     → exits
import { createRequire } from "node:module";
import autocannon from "autocannon";

const { version } = createRequire(import.meta.url)("autocannon/package.json");

async function run({ url, connections, seconds, headers }) {
  if (new URL(url).hostname !== "127.0.0.1")
    throw new Error(`refusing to load ${url}: the benchmark only targets 127.0.0.1`);
  const errorCodes = {};
  const instance = autocannon({ url, connections, duration: seconds, headers, pipelining: 1, timeout: 10 });
  instance.on("reqError", (error) => {
    const key = String(error?.code ?? error?.message ?? error);
    errorCodes[key] = (errorCodes[key] ?? 0) + 1;
  });
  const result = await instance;
  const statusCodes = Object.fromEntries(
    Object.entries(result.statusCodeStats).map(([code, { count }]) => [code, count]),
  );
  return {
    client: `autocannon ${version}`,
    connections: result.connections,
    seconds: result.duration,
    requests: result.requests.total,
    requestsSent: result.requests.sent,
    requestsPerSecond: result.duration > 0 ? result.requests.total / result.duration : null,
    perSecond: {
      min: result.requests.min,
      p50: result.requests.p50,
      max: result.requests.max,
      stddev: result.requests.stddev,
    },
    latencyMs: {
      p50: result.latency.p50,
      p90: result.latency.p90,
      p99: result.latency.p99,
      max: result.latency.max,
      mean: result.latency.mean,
    },
    bytes: result.throughput.total,
    non2xx: result.non2xx,
    statusCodes,
    errors: result.errors,
    timeouts: result.timeouts,
    resets: result.resets,
    errorCodes,
  };
}

process.on("message", async (message) => {
  try {
    if (message.cmd === "run") process.send({ type: "ran", id: message.id, ...(await run(message)) });
    else if (message.cmd === "exit") process.exit(0);
  } catch (error) {
    process.send({ type: "error", id: message.id, error: String(error?.stack ?? error) });
  }
});
process.on("disconnect", () => process.exit(0));
