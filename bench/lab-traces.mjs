#!/usr/bin/env node
// The cost of cross-instance lab traces (docs/decisions/0024): one visitor holds a lab stream on
// instance A and sends a burst of 5,000 probes (24 workers, like the lab's burst) with its cookie,
// either to A itself (single: traces go straight to the stream) or to B, a second instance on the
// same database (cross: B relays them to A, one stored batch and one NOTIFY per 100 ms tick).
// Interleaved round by round in one run; measured: probe latency and throughput, how long each
// probe's `request.end` trace took to reach the stream after its response, how many of them did,
// and how many notifications (trace batches) were sent.
//
//   npm run build && npm run bench:traces [-- --probes=5000 --rounds=3 --workers=24]
//
// Everything binds and connects to 127.0.0.1 only. Every process it starts is stopped at the end.
import http from "node:http";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { randomBytes, randomUUID } from "node:crypto";
import pg from "pg";
import {
  HOST,
  log,
  median,
  now,
  parseOptions,
  ratio,
  request,
  round,
  sleep,
  summarize,
  writeResults,
} from "./lib/common.mjs";
import { loadAverage, machineInfo, machineLine, runRecord } from "./lib/machine.mjs";
import { onInterrupt, startGlassbox, stopGlassbox } from "./lib/processes.mjs";

const options = parseOptions({ probes: 5000, rounds: 3, workers: 24 });
const started = new Date();
const machine = machineInfo();
const loadBefore = loadAverage();
const notes = [];

let a;
let b;
let database;
let shuttingDown;
function shutdown() {
  shuttingDown ??= (async () => {
    await database?.end().catch(() => undefined);
    if (b) await stopGlassbox(b);
    if (a) await stopGlassbox(a);
  })();
  return shuttingDown;
}
onInterrupt(shutdown);

/** A's embedded PostgreSQL, for B and for counting batches: its credentials file and the port in postmaster.pid. */
function embeddedUrl(dataDir) {
  const { user, password } = JSON.parse(readFileSync(join(dataDir, "postgres-credentials.json"), "utf8"));
  const port = readFileSync(join(dataDir, "postgres/postmaster.pid"), "utf8").split("\n")[3]?.trim();
  return `postgres://${encodeURIComponent(user)}:${encodeURIComponent(password)}@${HOST}:${port}/glassbox`;
}

/** A lab tab's stream: the moment each `request.end` trace arrived, by request id. */
function openLabStream(origin, cookie) {
  return new Promise((resolve, reject) => {
    const url = new URL(`/events?${new URLSearchParams({ tab: randomUUID(), lab: "1" })}`, origin);
    if (url.hostname !== HOST) return reject(new Error(`refusing to contact ${url.hostname}`));
    const stream = { status: 0, ends: new Map(), close: () => req.destroy() };
    let buffer = "";
    const req = http.request(url, { agent: false, headers: { accept: "text/event-stream", cookie } }, (res) => {
      stream.status = res.statusCode;
      res.setEncoding("utf8");
      res.on("data", (chunk) => {
        const at = now();
        buffer += chunk;
        const frames = buffer.split("\n\n");
        buffer = frames.pop() ?? "";
        for (const frame of frames) {
          if (!frame.includes("event: trace\n")) continue;
          const data = frame
            .split("\n")
            .filter((line) => line.startsWith("data: "))
            .map((line) => line.slice(6))
            .join("\n");
          const event = JSON.parse(data);
          if (event.kind === "request.end" && event.requestId) stream.ends.set(event.requestId, at);
        }
      });
      res.on("error", () => undefined);
      resolve(stream);
    });
    req.on("error", (error) => (stream.status ? undefined : reject(error)));
    req.end();
  });
}

const batchesSent = async () =>
  Number(
    (await database.query("select case when is_called then last_value else 0 end as n from lab_trace_batches_id_seq"))
      .rows[0].n,
  );

async function burst(scenario, roundIndex, cookie) {
  const stream = await openLabStream(a.origin, cookie);
  if (stream.status !== 200) throw new Error(`the lab stream answered ${stream.status}`);
  // Long enough for B to hear where the tab is (a NOTIFY at the registry's commit).
  await sleep(500);
  const target = scenario === "single" ? a : b;
  const batchesBefore = await batchesSent();
  const probes = [];
  let next = 0;
  const burstStarted = now();
  await Promise.all(
    Array.from({ length: options.workers }, async () => {
      while (next < options.probes) {
        next += 1;
        const answer = await request(target.origin, { path: "/lab/probe", headers: { cookie } });
        probes.push({
          id: answer.headers["x-request-id"],
          ok: answer.status === 204,
          ms: answer.ms,
          doneAt: answer.sentAt + answer.ms,
        });
      }
    }),
  );
  const burstMs = now() - burstStarted;
  // The last tick's batch, and its delivery.
  await sleep(1_000);
  stream.close();
  const delays = probes.flatMap((probe) =>
    stream.ends.has(probe.id) ? [stream.ends.get(probe.id) - probe.doneAt] : [],
  );
  const window = {
    round: roundIndex,
    scenario,
    probes: probes.length,
    failed: probes.filter((probe) => !probe.ok).length,
    probesPerSecond: round((probes.length * 1000) / burstMs),
    probeMs: summarize(probes.map((probe) => probe.ms)),
    delivered: delays.length,
    deliveryMs: summarize(delays),
    notifications: (await batchesSent()) - batchesBefore,
  };
  log(
    `round ${roundIndex} ${scenario}: ${window.probesPerSecond} probes/s, probe p50 ${window.probeMs.p50} / p99 ${window.probeMs.p99} ms, ` +
      `${window.delivered}/${window.probes} traced, delivery p50 ${window.deliveryMs.p50} / p99 ${window.deliveryMs.p99} ms, ${window.notifications} notifications`,
  );
  return window;
}

try {
  a = await startGlassbox({ notes, benchCommand: "npm run bench:traces" });
  const url = embeddedUrl(a.dataDir);
  b = await startGlassbox({ notes, env: { DATABASE_URL: url }, benchCommand: "npm run bench:traces" });
  database = new pg.Client({ connectionString: url });
  await database.connect();
  const cookie = `__Host-glassbox_visitor=${randomBytes(16).toString("base64url")}`;
  log(`A on ${a.origin}, B on ${b.origin}; warming up`);
  await Promise.all(
    Array.from({ length: 200 }, (_, index) =>
      request(index % 2 ? a.origin : b.origin, { path: "/lab/probe", headers: { cookie } }),
    ),
  );
  const windows = { single: [], cross: [] };
  for (let roundIndex = 1; roundIndex <= options.rounds; roundIndex++) {
    for (const scenario of ["single", "cross"]) windows[scenario].push(await burst(scenario, roundIndex, cookie));
  }
  const summary = Object.fromEntries(
    Object.entries(windows).map(([scenario, own]) => [
      scenario,
      {
        probesPerSecond: median(own.map((window) => window.probesPerSecond)),
        probeP50: median(own.map((window) => window.probeMs.p50)),
        probeP99: median(own.map((window) => window.probeMs.p99)),
        delivered: median(own.map((window) => window.delivered)),
        deliveryP50: median(own.map((window) => window.deliveryMs.p50)),
        deliveryP99: median(own.map((window) => window.deliveryMs.p99)),
        notifications: median(own.map((window) => window.notifications)),
        failed: own.reduce((sum, window) => sum + window.failed, 0),
      },
    ]),
  );
  const { single, cross } = summary;
  const ratios = {
    probesPerSecond: ratio(cross.probesPerSecond, single.probesPerSecond, 2),
    probeP50: ratio(cross.probeP50, single.probeP50, 2),
    probeP99: ratio(cross.probeP99, single.probeP99, 2),
  };
  const report = {
    ...runRecord("lab-traces", started, { machine, loadBefore }),
    options,
    notes,
    windows,
    summary,
    ratios,
  };
  const row = (label, s) =>
    `| ${label} | ${s.probesPerSecond} | ${s.probeP50} / ${s.probeP99} ms | ${s.delivered} of ${options.probes} | ${s.deliveryP50} / ${s.deliveryP99} ms | ${s.notifications} | ${s.failed} |`;
  const markdown = `# Lab traces across instances: a ${options.probes.toLocaleString("en-US")}-probe burst

${machineLine(report)}

\`npm run build && npm run bench:traces\`: one visitor's lab stream on instance A; ${options.probes.toLocaleString("en-US")} probes
(${options.workers} workers, its cookie) sent to A itself (single) or to B, a second instance on A's database (cross: relayed
in one batch and one NOTIFY per 100 ms tick, docs/decisions/0024). ${options.rounds} rounds, interleaved; medians of the rounds.
Delivery: from a probe's response to its \`request.end\` trace on the stream. Notifications: trace batches stored and announced.

| burst served by | probes/s | probe p50 / p99 | traces delivered | delivery p50 / p99 | notifications | failures |
|---|---:|---:|---:|---:|---:|---:|
${row("A (single instance)", single)}
${row("B (cross-instance)", cross)}

Cross against single: probes/s ${ratios.probesPerSecond}x, probe p50 ${ratios.probeP50}x, p99 ${ratios.probeP99}x.
${notes.map((note) => `- ${note}`).join("\n")}
Raw: \`${report.file}\`.
`;
  writeResults(report.file, report, "LAB-TRACES-LATEST.md", markdown);
  console.log(`\n${markdown}`);
} finally {
  await shutdown();
}
