#!/usr/bin/env node
// /health latency while one client holds as many lab streams as it may (issue 17): with none, with
// one visitor's maximum (STREAMS_PER_VISITOR lab tabs, one cookie) and with one address's maximum
// (STREAMS_PER_ADDRESS lab tabs, no cookies), interleaved round by round in one run against the
// production build (so the visitor cookie is `__Host-glassbox_visitor`). The load comes from a separate process (autocannon, cookie-less like a load
// balancer's probe), so every /health request is "another visitor's" line on each lab stream.
//
//   npm run build && npm run bench:health [-- --seconds=5 --rounds=3 --connections=8]
//
// Everything binds and connects to 127.0.0.1 only. Every process it starts is stopped at the end.
import http from "node:http";
import { randomBytes, randomUUID } from "node:crypto";
import { fmt, HOST, log, median, parseOptions, ratio, round, sleep, writeResults } from "./lib/common.mjs";
import { loadAverage, machineInfo, machineLine, runRecord } from "./lib/machine.mjs";
import { forkWorker, onInterrupt, startGlassbox, stopChild, stopGlassbox } from "./lib/processes.mjs";

const options = parseOptions({ seconds: 5, rounds: 3, connections: 8, perVisitor: 16, perAddress: 256 });
const started = new Date();
const machine = machineInfo();
const loadBefore = loadAverage();
const notes = [];

let glassbox;
let loader;
let shuttingDown;
function shutdown() {
  shuttingDown ??= (async () => {
    if (loader) await stopChild(loader.child, "SIGTERM", 2_000);
    if (glassbox) await stopGlassbox(glassbox);
  })();
  return shuttingDown;
}
onInterrupt(shutdown);

/** One lab tab's stream, read as fast as it comes; counts its timeline frames. Resolves once the status is known. */
function openLabStream(origin, cookie) {
  return new Promise((resolve, reject) => {
    const url = new URL(`/events?${new URLSearchParams({ tab: randomUUID(), lab: "1" })}`, origin);
    if (url.hostname !== HOST) return reject(new Error(`refusing to contact ${url.hostname}`));
    const stream = { status: 0, timelineFrames: 0, bytes: 0, close: () => req.destroy() };
    const req = http.request(
      url,
      { agent: false, headers: { accept: "text/event-stream", ...(cookie ? { cookie } : {}) } },
      (res) => {
        stream.status = res.statusCode;
        res.on("data", (chunk) => {
          stream.bytes += chunk.length;
          stream.timelineFrames += chunk.toString().split("event: timeline\n").length - 1;
        });
        res.on("error", () => undefined);
        resolve(stream);
      },
    );
    req.on("error", (error) => (stream.status ? undefined : reject(error)));
    req.end();
  });
}

/**
 * Opens `count` lab streams (one cookie for all, or none: a new visitor each) and checks that the
 * one after them is refused. A refusal while filling up is retried for a while: the previous
 * window's streams may not all have been seen closing yet.
 */
async function holdStreams(count, cookie) {
  const streams = [];
  const deadline = Date.now() + 10_000;
  while (streams.length < count) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(32, count - streams.length) }, () => openLabStream(glassbox.origin, cookie)),
    );
    for (const one of batch) {
      if (one.status === 200) streams.push(one);
      else one.close();
    }
    if (streams.length < count && batch.some((one) => one.status !== 200)) {
      if (Date.now() > deadline)
        throw new Error(
          `only ${streams.length} of ${count} streams were taken: are STREAMS_PER_* lower than --per-visitor/--per-address?`,
        );
      await sleep(100);
    }
  }
  const extra = await openLabStream(glassbox.origin, cookie);
  extra.close();
  return { streams, nextOneAnswered: extra.status };
}

const scenarios = [
  { key: "none", label: "no streams", open: async () => ({ streams: [], nextOneAnswered: null }) },
  {
    key: "visitor",
    label: `${options.perVisitor} lab streams of one visitor (its cap)`,
    open: () => holdStreams(options.perVisitor, `__Host-glassbox_visitor=${randomBytes(16).toString("base64url")}`),
  },
  {
    key: "address",
    label: `${options.perAddress} lab streams of one address, no cookies (its cap)`,
    open: () => holdStreams(options.perAddress),
  },
];

async function measure(scenario, roundIndex) {
  const { streams, nextOneAnswered } = await scenario.open();
  await sleep(500);
  const framesBefore = streams.reduce((sum, one) => sum + one.timelineFrames, 0);
  const result = await loader.call({
    cmd: "run",
    url: `${glassbox.origin}/health`,
    connections: options.connections,
    seconds: options.seconds,
    headers: {},
  });
  const frames = streams.reduce((sum, one) => sum + one.timelineFrames, 0) - framesBefore;
  const bytes = streams.reduce((sum, one) => sum + one.bytes, 0);
  for (const one of streams) one.close();
  log(
    `round ${roundIndex} ${scenario.key}: ${round(result.requestsPerSecond, 1)} req/s, p50 ${result.latencyMs.p50} ms, p99 ${result.latencyMs.p99} ms, ${frames} timeline frames on ${streams.length} streams`,
  );
  return {
    round: roundIndex,
    streams: streams.length,
    nextOneAnswered,
    requests: result.requests,
    requestsPerSecond: round(result.requestsPerSecond, 1),
    latencyMs: result.latencyMs,
    non2xx: result.non2xx + result.errors + result.timeouts,
    timelineFramesPerStreamPerSecond: streams.length ? round(frames / streams.length / result.seconds, 1) : null,
    streamBytes: bytes,
  };
}

try {
  glassbox = await startGlassbox({
    notes,
    env: { STREAMS_PER_VISITOR: String(options.perVisitor), STREAMS_PER_ADDRESS: String(options.perAddress) },
    benchCommand: "npm run bench:health",
  });
  loader = forkWorker(new URL("./lib/load-worker.mjs", import.meta.url).pathname, 0);
  log(`glassbox on ${glassbox.origin}; warming up`);
  await loader.call({
    cmd: "run",
    url: `${glassbox.origin}/health`,
    connections: options.connections,
    seconds: 2,
    headers: {},
  });
  const windows = Object.fromEntries(scenarios.map((scenario) => [scenario.key, []]));
  for (let roundIndex = 1; roundIndex <= options.rounds; roundIndex++) {
    for (const scenario of scenarios) windows[scenario.key].push(await measure(scenario, roundIndex));
  }
  const summary = scenarios.map((scenario) => {
    const own = windows[scenario.key];
    return {
      key: scenario.key,
      label: scenario.label,
      streams: own[0]?.streams ?? 0,
      nextOneAnswered: own[0]?.nextOneAnswered ?? null,
      requestsPerSecond: median(own.map((window) => window.requestsPerSecond)),
      mean: median(own.map((window) => round(window.latencyMs.mean, 2))),
      p50: median(own.map((window) => window.latencyMs.p50)),
      p99: median(own.map((window) => window.latencyMs.p99)),
      failures: own.reduce((sum, window) => sum + window.non2xx, 0),
      timelineFramesPerStreamPerSecond: median(own.map((window) => window.timelineFramesPerStreamPerSecond)),
      // Each round's figure against the no-stream window of the same round.
      meanRatioPerRound: own.map((window, index) =>
        ratio(window.latencyMs.mean, windows.none[index]?.latencyMs.mean, 2),
      ),
      throughputRatioPerRound: own.map((window, index) =>
        ratio(window.requestsPerSecond, windows.none[index]?.requestsPerSecond, 2),
      ),
    };
  });
  const report = {
    ...runRecord("health-under-streams", started, { machine, loadBefore }),
    options,
    notes,
    windows,
    summary,
  };
  const rows = summary.map(
    (row) =>
      `| ${row.label} | ${fmt(row.requestsPerSecond)} | ${row.mean} ms | ${row.p50} / ${row.p99} ms | ${median(row.meanRatioPerRound)}x (${row.meanRatioPerRound.join(", ")}) | ${median(row.throughputRatioPerRound)}x | ${fmt(row.timelineFramesPerStreamPerSecond)} | ${row.nextOneAnswered ?? "–"} | ${row.failures} |`,
  );
  const markdown = `# /health while one client holds its maximum of lab streams

${machineLine(report)}

\`npm run build && npm run bench:health\`: GET /health from a separate autocannon process (${options.connections} keep-alive
connections, no cookies, ${options.seconds} s per window), ${options.rounds} rounds, the three cases interleaved in each round.
Every /health request is another visitor's request line for each lab stream; lines are coalesced into at most one
\`timeline\` frame per stream per 100 ms tick (docs/decisions/0016). Ratios are against the no-stream window of the same round.

| streams held | req/s | mean latency | p50 / p99 | mean latency ratio (rounds) | req/s ratio | timeline frames per stream per s | the next stream | failures |
|---|---:|---:|---:|---:|---:|---:|---:|---:|
${rows.join("\n")}

${notes.map((note) => `- ${note}`).join("\n")}
Raw: \`${report.file}\`.
`;
  writeResults(report.file, report, "HEALTH-STREAMS-LATEST.md", markdown);
  console.log(`\n${markdown}`);
} finally {
  await shutdown();
}
