#!/usr/bin/env node
// Page throughput benchmark: glassbox's pages (production build, embedded PostgreSQL) against a
// minimal React Router page served the same way (bench/minimal-app), in the same run, under
// keep-alive load from a separate process (autocannon). See bench/README.md.
//
//   npm run build && npm run bench:pages [-- --paths=/,/lab --seconds=10 --rounds=3 --connections=32]
//
// Everything binds and connects to 127.0.0.1 only. Every process it starts is stopped at the end.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join, resolve } from "node:path";
import { brotliDecompressSync, gunzipSync, inflateSync } from "node:zlib";
import { fmt, log, parseOptions, ratio, request, ROOT, round, sleep, writeResults } from "./lib/common.mjs";
import { cpuMs, cpuWindow, loadAverage, machineInfo, machineLine, runRecord, treeCpu } from "./lib/machine.mjs";
import { printProfileTop, profileTop } from "./lib/profile-top.mjs";
import {
  forkWorker,
  newestSource,
  onInterrupt,
  startGlassbox,
  startPortServer,
  stopChild,
  stopGlassbox,
} from "./lib/processes.mjs";

// ---------------------------------------------------------------------------------------------
// options

const defaults = {
  paths: "/,/lab",
  seconds: 10,
  warmup: 3,
  rounds: 3,
  connections: 32,
  // What a browser sends; glassbox compresses for it, the minimal server does not (README: what the ratio includes).
  acceptEncoding: "gzip, deflate, br, zstd",
  // Issue 15's targets: `/` at least 0.7x the minimal page, `/lab` (per visitor, never cached) 0.4x;
  // any other path is held to the first. A bare number holds every path to it.
  target: "/=0.7,/lab=0.4",
  // glassbox's LOG_LEVEL; at "info" (its default) every request also writes a JSON line to stdout.
  logLevel: "warn",
  cpuProf: "",
  // Measures nothing: writes PAGES-LATEST.md again from an earlier results file.
  summaryOf: "",
};
const options = parseOptions(defaults);
const paths = String(options.paths)
  .split(",")
  .map((path) => path.trim())
  .filter(Boolean);
if (paths.length === 0 || paths.some((path) => !path.startsWith("/"))) {
  console.error(`--paths takes a comma-separated list of paths starting with "/": ${options.paths}`);
  process.exit(2);
}
for (const key of ["seconds", "warmup", "rounds", "connections"]) {
  if (!(options[key] >= (key === "warmup" ? 0 : 1))) {
    console.error(`--${key} must be a positive number: ${options[key]}`);
    process.exit(2);
  }
}
const cpuProfDir = options.cpuProf ? resolve(options.cpuProf) : "";

/** The ratio each path must reach: `--target=0.5` for all, or `--target=/=0.7,/lab=0.4` (others: the first). */
const ratioTargets = String(options.target)
  .split(",")
  .map((entry) => entry.trim())
  .filter(Boolean)
  .map((entry) =>
    entry.includes("=")
      ? [entry.slice(0, entry.lastIndexOf("=")), Number(entry.slice(entry.lastIndexOf("=") + 1))]
      : [undefined, Number(entry)],
  );
if (
  ratioTargets.length === 0 ||
  ratioTargets.some(([path, ratio]) => !(ratio > 0) || (path !== undefined && !path.startsWith("/")))
) {
  console.error(`--target takes a ratio (0.7) or path=ratio pairs (/=0.7,/lab=0.4): ${options.target}`);
  process.exit(2);
}
const targetOf = (path) => (ratioTargets.find(([targetPath]) => targetPath === path) ?? ratioTargets[0])[1];

/** The request every target gets: a browser's document request, as a guest (no cookie). */
const HEADERS = {
  accept: "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
  "accept-language": "en-US,en;q=0.9",
  "user-agent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
  ...(options.acceptEncoding ? { "accept-encoding": options.acceptEncoding } : {}),
};

const machine = machineInfo();
const notes = [];

/** A target the benchmark cannot measure: said in one message, without a stack. */
class Refused extends Error {}

// ---------------------------------------------------------------------------------------------
// the minimal app: built on demand (it is small), into its own git-ignored build directory

const MINIMAL = "bench/minimal-app";

function ensureMinimalBuild() {
  const entry = join(ROOT, MINIMAL, "build/server/index.js");
  const newer = newestSource([`${MINIMAL}/app`, `${MINIMAL}/react-router.config.ts`, `${MINIMAL}/vite.config.ts`]);
  if (existsSync(entry) && !(newer && newer.mtimeMs > statSync(entry).mtimeMs)) return;
  log(
    `building the minimal app (${existsSync(entry) ? `${newer.path} is newer than its build` : "no build yet"}): react-router build ${MINIMAL}`,
  );
  const require = createRequire(import.meta.url);
  const devPackage = require.resolve("@react-router/dev/package.json");
  const bin = join(devPackage, "..", require(devPackage).bin["react-router"]);
  const built = spawnSync(process.execPath, [bin, "build", MINIMAL], {
    cwd: ROOT,
    encoding: "utf8",
    env: { ...process.env, NODE_ENV: "production" },
  });
  if (built.status !== 0)
    throw new Error(`building ${MINIMAL} failed (npm run bench:pages:build):\n${built.stdout}\n${built.stderr}`);
}

// ---------------------------------------------------------------------------------------------
// processes we start (and must stop)

let glassbox;
let minimal;
let loader;

let shuttingDown;
function shutdown() {
  shuttingDown ??= (async () => {
    if (loader) await stopChild(loader.child, "SIGTERM", 2_000);
    if (minimal) await stopChild(minimal.child, "SIGTERM", 5_000);
    if (glassbox) await stopGlassbox(glassbox);
  })();
  return shuttingDown;
}

onInterrupt(shutdown);

// ---------------------------------------------------------------------------------------------
// one target: a server and a path

function decode(raw, encoding) {
  if (encoding === "br") return brotliDecompressSync(raw);
  if (encoding === "gzip") return gunzipSync(raw);
  if (encoding === "deflate") return inflateSync(raw);
  return raw;
}

/** One request as the load client sends it: it must answer 2xx, or the run stops here. */
async function preflight(target) {
  const response = await request(target.server.origin, { path: target.path, headers: HEADERS });
  if (response.status < 200 || response.status > 299) {
    const where = response.headers.location ? ` (Location: ${response.headers.location})` : "";
    throw new Refused(
      `${target.label}: GET ${target.path} answered ${response.status}${where}, not 2xx. ` +
        `Only pages a guest gets with 200 can be measured: does ${target.path} exist in this build (npm run build), and is it public? Pick others with --paths=`,
    );
  }
  const encoding = response.headers["content-encoding"] ?? "identity";
  const html = decode(response.raw, encoding);
  return {
    status: response.status,
    contentType: response.headers["content-type"],
    contentEncoding: encoding,
    bodyBytes: response.raw.length,
    htmlBytes: html.length,
    setsCookie: Boolean(response.headers["set-cookie"]),
    headers: Object.keys(response.headers).sort(),
  };
}

/** Runs the load client against a target for `seconds`, with the CPU every process used meanwhile. */
async function drive(target, seconds) {
  const pid = target.server.pid;
  const before = { server: cpuMs(pid), database: treeCpu(pid, { self: false }), client: cpuMs(loader.child.pid) };
  const endWindow = cpuWindow(machine.cores);
  const result = await loader.call({
    cmd: "run",
    url: `${target.server.origin}${target.path}`,
    connections: options.connections,
    seconds,
    headers: HEADERS,
  });
  const noise = endWindow();
  const used = {
    server: cpuMs(pid) - before.server,
    database: treeCpu(pid, { self: false }) - before.database,
    client: cpuMs(loader.child.pid) - before.client,
  };
  const load = { ...result };
  delete load.type; // the IPC envelope
  delete load.id;
  const requests = Math.max(1, load.requests);
  return {
    ...load,
    requestsPerSecond: round(load.requestsPerSecond, 1),
    bytesPerResponse: Math.round(load.bytes / requests),
    serverCpuMicrosPerRequest: round((used.server * 1000) / requests, 0),
    databaseCpuMicrosPerRequest: round((used.database * 1000) / requests, 0),
    serverCores: round(used.server / 1000 / load.seconds, 2),
    clientCores: round(used.client / 1000 / load.seconds, 2),
    ...noise,
  };
}

function failures(window) {
  return window.non2xx + window.errors + window.timeouts;
}

const median = (values) => {
  const sorted = values.filter((value) => value !== null && value !== undefined).sort((a, b) => a - b);
  if (sorted.length === 0) return null;
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

function summarizeTarget(target) {
  const windows = target.windows;
  const requests = windows.reduce((sum, window) => sum + window.requests, 0);
  const seconds = windows.reduce((sum, window) => sum + window.seconds, 0);
  const sum = (key) => windows.reduce((total, window) => total + window[key], 0);
  return {
    requests,
    seconds: round(seconds, 2),
    requestsPerSecond: seconds ? round(requests / seconds, 1) : null,
    perRound: windows.map((window) => window.requestsPerSecond),
    latencyMs: {
      p50: median(windows.map((window) => window.latencyMs.p50)),
      p99: median(windows.map((window) => window.latencyMs.p99)),
      max: Math.max(...windows.map((window) => window.latencyMs.max)),
    },
    non2xx: sum("non2xx"),
    errors: sum("errors"),
    timeouts: sum("timeouts"),
    bytesPerResponse: median(windows.map((window) => window.bytesPerResponse)),
    serverCpuMicrosPerRequest: median(windows.map((window) => window.serverCpuMicrosPerRequest)),
    databaseCpuMicrosPerRequest: median(windows.map((window) => window.databaseCpuMicrosPerRequest)),
    clientCores: median(windows.map((window) => window.clientCores)),
    otherProcessesCoresMax: Math.max(...windows.map((window) => window.otherProcessesCores ?? 0)),
  };
}

function compare(baseline, pages) {
  return pages.map((page) => {
    const perRound = page.windows.map((window) => {
      const paired = baseline.windows.find((other) => other.round === window.round);
      return ratio(window.requestsPerSecond, paired?.requestsPerSecond, 2);
    });
    const throughputRatio = ratio(page.summary.requestsPerSecond, baseline.summary.requestsPerSecond, 2);
    return {
      path: page.path,
      throughputRatio,
      perRound,
      perRoundMin: Math.min(...perRound),
      perRoundMax: Math.max(...perRound),
      cpuPerRequestRatio: ratio(page.summary.serverCpuMicrosPerRequest, baseline.summary.serverCpuMicrosPerRequest, 2),
      p50LatencyRatio: ratio(page.summary.latencyMs.p50, baseline.summary.latencyMs.p50, 2),
      p99LatencyRatio: ratio(page.summary.latencyMs.p99, baseline.summary.latencyMs.p99, 2),
      htmlBytesRatio: ratio(page.preflight.htmlBytes, baseline.preflight.htmlBytes, 1),
      target: targetOf(page.path),
      meetsTarget: throughputRatio !== null && throughputRatio >= targetOf(page.path),
    };
  });
}

// ---------------------------------------------------------------------------------------------
// report

function markdown(report) {
  const [baseline] = report.targets;
  const rows = report.targets.map((target) => {
    const s = target.summary;
    return `| ${target.label} | ${fmt(s.requestsPerSecond)} | ${s.perRound.map((value) => fmt(Math.round(value))).join(" / ")} | ${fmt(s.latencyMs.p50)} | ${fmt(s.latencyMs.p99)} | ${fmt(s.non2xx)} | ${fmt(s.errors + s.timeouts)} | ${fmt(target.preflight.htmlBytes)} (${target.preflight.contentEncoding}: ${fmt(target.preflight.bodyBytes)}) | ${fmt(s.serverCpuMicrosPerRequest)} | ${fmt(s.databaseCpuMicrosPerRequest)} | ${fmt(s.clientCores)} | ${fmt(s.otherProcessesCoresMax)} |`;
  });
  const ratios = report.comparisons.map(
    (c) =>
      `| \`${c.path}\` | **${fmt(c.throughputRatio, "×")}** | ${fmt(c.perRoundMin, "×")} – ${fmt(c.perRoundMax, "×")} | ≥ ${fmt(c.target, "×")}: ${c.meetsTarget ? "met" : "**not met**"} | ${fmt(c.cpuPerRequestRatio, "×")} | ${fmt(c.p50LatencyRatio, "×")} / ${fmt(c.p99LatencyRatio, "×")} | ${fmt(c.htmlBytesRatio, "×")} |`,
  );
  const problems = report.targets.flatMap((target) =>
    target.windows
      .filter((window) => failures(window) > 0)
      .map(
        (window) =>
          `${target.label}, round ${window.round}: ${window.non2xx} non-2xx ${JSON.stringify(window.statusCodes)}, ${window.errors} errors ${JSON.stringify(window.errorCodes)}, ${window.timeouts} timeouts`,
      ),
  );
  return `# Page throughput: latest run

${machineLine(report)}

Raw figures: \`${report.file}\`. Method and how to read it: \`bench/README.md\` ("Page throughput").

${report.options.connections} keep-alive connections from one load process (${report.load.client}), one request in flight on each, as a
guest (no cookie) with a browser's headers (\`Accept-Encoding: ${report.options.acceptEncoding || "(none)"}\`); ${report.options.warmup} s of warm-up
per target (must be all 2xx), then ${report.options.rounds} rounds of ${report.options.seconds} s per target, the order rotated each round
(${report.rounds.map((order) => order.join(" → ")).join("; ")}). Both servers run with \`NODE_ENV=production\`; glassbox with
\`LOG_LEVEL=${report.options.logLevel}\` on its own embedded PostgreSQL.

| target | req/s (all rounds) | req/s per round | p50 ms | p99 ms | non-2xx | errors | HTML bytes (on the wire) | server CPU µs/request | PostgreSQL CPU µs/request | load client (cores) | other load (cores, worst round) |
|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|
${rows.join("\n")}

glassbox relative to the minimal page (${baseline.label}) — throughput: higher is better; CPU, latency and size: higher is worse:

| path | throughput | per round (paired) | target | server CPU/request | p50 / p99 latency | HTML size |
|---|---:|---:|---|---:|---:|---:|
${ratios.join("\n")}

${problems.length ? `Problems seen:\n\n${problems.map((text) => `- ${text}`).join("\n")}\n` : "Every response was 2xx; no errors or timeouts.\n"}
${report.notes.length ? `Notes:\n\n${report.notes.map((text) => `- ${text}`).join("\n")}\n` : ""}
Caveats: one shared, possibly noisy machine — each server, the embedded PostgreSQL and the load client compete for the same
${report.machine.cores} cores, so the load client's own CPU (column above) is taken from the servers', and absolute req/s move between
runs: compare the ratios within one run. "Other load" is the CPU that processes this benchmark did not start used during a
window, in cores (from /proc/stat): above ~0.3 the round was disturbed — look at the per-round ratios. The ratio includes
everything glassbox does around a page that the minimal server does not: request ids, the visitor cookie (set on every
response here: the load keeps no cookies), the request's trace scope, pino request logging, helmet's headers with a CSP
nonce, compression (${report.options.acceptEncoding ? `the client accepts \`${report.options.acceptEncoding}\`` : "off in this run: the client accepted no encoding"}), the cross-site check, the root loader's session
lookup (for a guest without a cookie it reads nothing from PostgreSQL; a signed-in view adds a session and user query),
the pages' own loaders (PostgreSQL column) and their larger HTML. Content pages such as \`/\` are answered to guests from
the guest page cache (rendered once a second, then only the nonce, headers and compression are per response: decision
0019); \`/lab\` shows each visitor its own request and trace, so it is rendered for every request.
`;
}

// ---------------------------------------------------------------------------------------------
// main

async function main() {
  const started = new Date();
  const loadBefore = loadAverage();
  log(`machine: ${machine.cores} cores, Node ${machine.node}, load average ${loadBefore.join(" / ")}`);
  log(
    `paths ${paths.join(", ")} against the minimal page; ${options.connections} connections, ${options.warmup} s warm-up, ${options.rounds} rounds of ${options.seconds} s per target`,
  );

  ensureMinimalBuild();
  if (cpuProfDir) mkdirSync(cpuProfDir, { recursive: true });
  const profilesBefore = new Set(cpuProfDir ? readdirSync(cpuProfDir) : []);
  const nodeFlags = cpuProfDir ? ["--cpu-prof", `--cpu-prof-dir=${cpuProfDir}`] : [];
  glassbox = await startGlassbox({
    notes,
    nodeFlags,
    env: { LOG_LEVEL: options.logLevel },
    benchCommand: "npm run bench:pages",
  });
  log(`glassbox ready at ${glassbox.origin} (pid ${glassbox.pid})`);
  minimal = await startPortServer("minimal", join(ROOT, MINIMAL, "server.mjs"), {
    env: { NODE_ENV: "production" },
    nodeFlags,
  });
  log(`minimal React Router server ready at ${minimal.origin} (pid ${minimal.pid})`);
  loader = forkWorker(join(ROOT, "bench/lib/load-worker.mjs"), 0);

  const targets = [
    { key: "minimal", label: "minimal `/`", server: minimal, path: "/", windows: [] },
    ...paths.map((path) => ({
      key: `glassbox ${path}`,
      label: `glassbox \`${path}\``,
      server: glassbox,
      path,
      windows: [],
    })),
  ];

  // Every target must answer 2xx before anything is measured: one request, then the warm-up.
  for (const target of targets) target.preflight = await preflight(target);
  for (const target of targets) {
    if (options.warmup === 0) break;
    const warm = await drive(target, options.warmup);
    target.warmup = warm;
    log(`${target.key}: warm-up ${warm.requestsPerSecond} req/s`);
    if (failures(warm) > 0) {
      throw new Refused(
        `${target.key}: the warm-up had ${warm.non2xx} non-2xx responses ${JSON.stringify(warm.statusCodes)}, ${warm.errors} errors ${JSON.stringify(warm.errorCodes)} and ${warm.timeouts} timeouts: ` +
          `only pages that answer 2xx under load can be measured (is ${target.path} public and in this build?)`,
      );
    }
  }

  // Rounds: every target once per round, the order rotated, so a noisy moment hits each in turn.
  const rounds = [];
  for (let number = 1; number <= options.rounds; number++) {
    const order = targets.map((_, index) => targets[(index + number - 1) % targets.length]);
    rounds.push(order.map((target) => target.key));
    for (const target of order) {
      await sleep(500);
      const window = { round: number, ...(await drive(target, options.seconds)) };
      target.windows.push(window);
      log(
        `round ${number} ${target.key}: ${window.requestsPerSecond} req/s, p50 ${window.latencyMs.p50} ms, p99 ${window.latencyMs.p99} ms, ${failures(window)} failed, server ${window.serverCpuMicrosPerRequest} µs CPU/request, other load ${window.otherProcessesCores} cores`,
      );
    }
  }
  const windows = targets.flatMap((target) => target.windows);
  const disturbed = windows.filter((window) => window.otherProcessesCores > 0.3);
  if (disturbed.length) {
    notes.push(
      `${disturbed.length} of ${windows.length} measured windows ran while processes this benchmark did not start used more than 0.3 cores ` +
        `(worst ${Math.max(...disturbed.map((window) => window.otherProcessesCores))}): the machine was busy, so absolute figures are low and the ratios noisier than usual.`,
    );
    log(`warning: ${notes.at(-1)}`);
  }
  for (const target of targets) target.summary = summarizeTarget(target);
  const [baseline, ...pages] = targets;
  const comparisons = compare(baseline, pages);

  const glassboxLog = glassbox.lines.filter((line) => line.trim() !== "");
  await shutdown();
  const profiles = cpuProfDir
    ? readdirSync(cpuProfDir)
        .filter((name) => name.endsWith(".cpuprofile") && !profilesBefore.has(name))
        .map((name) => profileTop(join(cpuProfDir, name), 20))
    : [];

  const report = {
    ...runRecord("page-throughput", started, { machine, loadBefore }),
    options: { ...options, paths },
    load: {
      client: targets[0].windows[0]?.client,
      headers: HEADERS,
      process: "bench/lib/load-worker.mjs (one forked Node process)",
    },
    notes,
    rounds,
    targets: targets.map(({ server, ...target }) => ({ ...target, server: server.name, pid: server.pid })),
    comparisons,
    profiles,
    glassboxWarnings: glassboxLog.slice(-50),
  };
  writeResults(report.file, report, "PAGES-LATEST.md", markdown(report));
  log(`wrote ${report.file} and bench/results/PAGES-LATEST.md`);
  for (const target of targets)
    log(
      `${target.key}: ${target.summary.requestsPerSecond} req/s (rounds ${target.summary.perRound.join(", ")}), p50 ${target.summary.latencyMs.p50} ms, p99 ${target.summary.latencyMs.p99} ms`,
    );
  for (const c of comparisons)
    log(
      `${c.path}: ${c.throughputRatio}× the minimal page (rounds ${c.perRound.join(", ")}); target ≥ ${c.target}× ${c.meetsTarget ? "met" : "NOT met"}`,
    );
  for (const profile of profiles) printProfileTop(profile);
}

if (options.summaryOf) {
  const report = JSON.parse(readFileSync(resolve(options.summaryOf), "utf8"));
  writeFileSync(join(ROOT, "bench/results/PAGES-LATEST.md"), markdown(report));
  log(`wrote bench/results/PAGES-LATEST.md from ${report.file}`);
} else {
  main().catch(async (error) => {
    console.error(error instanceof Refused ? `page-throughput: ${error.message}` : error);
    await shutdown().catch(() => undefined);
    process.exit(1);
  });
}
