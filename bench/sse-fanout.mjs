#!/usr/bin/env node
// SSE fan-out benchmark: glassbox's /events (production build, embedded PostgreSQL) against a bare
// node:http broadcaster, on the same machine, in the same run. See bench/README.md.
//
//   npm run build && npm run bench:sse [-- --sizes=1000,10000 --burst=20 --singles=5 --workers=2]
//
// Everything binds and connects to 127.0.0.1 only. Every process it starts is stopped at the end.
import { randomBytes, randomUUID } from "node:crypto";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { fmt, log, now, parseOptions, ratio, request, round, sleep, summarize, writeResults } from "./lib/common.mjs";
import { cpuMs, cpuWindow, loadAverage, machineInfo, machineLine, readStatus, runRecord } from "./lib/machine.mjs";
import { confirmSignUp } from "./lib/confirm-sign-up.mjs";
import { forkWorker, onInterrupt, startGlassbox, startPortServer, stopChild, stopGlassbox } from "./lib/processes.mjs";

const BENCH = fileURLToPath(new URL("./", import.meta.url));

// ---------------------------------------------------------------------------------------------
// options

const defaults = {
  sizes: "1000,10000",
  burst: 20,
  singles: 5,
  workers: 2,
  targets: "bare,glassbox",
  room: "lobby",
  members: 10,
  concurrency: 100,
  bodyLength: 120,
  join: 1,
  cpuProf: "",
};
const options = parseOptions(defaults);
const requestedSizes = String(options.sizes)
  .split(",")
  .map(Number)
  .filter((n) => Number.isInteger(n) && n > 0);
const targets = String(options.targets).split(",");

// ---------------------------------------------------------------------------------------------
// machine limits: scale down rather than raise anything

const machine = machineInfo();
const notes = [];
const SERVER_FD_HEADROOM = 512; // listening socket, pg pool, LISTEN client, files, stdio
const CLIENT_FD_HEADROOM = 64;
const sizes = requestedSizes.map((n) => {
  const limits = [
    {
      max: machine.openFilesSoft - SERVER_FD_HEADROOM,
      why: `the open-files soft limit (ulimit -n = ${machine.openFilesSoft}) less ${SERVER_FD_HEADROOM} descriptors of headroom for the server process`,
    },
    {
      max: (machine.openFilesSoft - CLIENT_FD_HEADROOM) * options.workers,
      why: `${options.workers} client workers under the open-files soft limit of ${machine.openFilesSoft} each`,
    },
    {
      max: machine.ephemeralPorts - 2_000,
      why: `the ${machine.ephemeralPorts} ephemeral ports of 127.0.0.1 less 2,000 spare`,
    },
  ];
  const binding = limits.filter((limit) => limit.max < n).sort((a, b) => a.max - b.max)[0];
  if (!binding) return n;
  const scaled = Math.max(100, Math.floor(binding.max / 100) * 100);
  notes.push(
    `N=${n} scaled down to ${scaled}: limited by ${binding.why}. Nothing was raised; run with a higher ulimit -n to measure the full size.`,
  );
  return scaled;
});

// ---------------------------------------------------------------------------------------------
// processes we start (and must stop)

let glassbox;
let bare;
let workers = [];
let stopping = false;

let shuttingDown;
function shutdown() {
  stopping = true;
  shuttingDown ??= (async () => {
    await Promise.all(workers.map((worker) => worker.call({ cmd: "disconnect" }).catch(() => undefined)));
    for (const worker of workers) await stopChild(worker.child, "SIGTERM", 2_000);
    if (bare) await stopChild(bare.child, "SIGTERM", 3_000);
    if (glassbox) await stopGlassbox(glassbox);
  })();
  return shuttingDown;
}

onInterrupt(shutdown);

// ---------------------------------------------------------------------------------------------
// the chat side: members (the rate limit is 5 messages per 10 s per member and room) and messages

const runTag = randomBytes(3).toString("hex");
let nextSeq = 1;
const members = [];
const RATE_WINDOW_MS = 11_500; // the app's 10 s window plus a margin
const RATE_ATTEMPTS = 5;

async function register(origin, index) {
  const username = `bench_${runTag}_${index}`.slice(0, 20);
  const form = new URLSearchParams({
    username,
    email: `${username}@example.com`,
    password: `bench-password-${runTag}-${index}`,
  });
  const response = await request(origin, {
    method: "POST",
    path: "/register",
    headers: { Origin: origin, "Content-Type": "application/x-www-form-urlencoded" },
    body: form.toString(),
  });
  if (response.status !== 303)
    throw new Error(`registering ${username} answered ${response.status}: ${response.body.slice(0, 300)}`);
  // Signed in, and allowed to post, once the address is confirmed (the welcome mail's link).
  const visitor = [response.headers["set-cookie"] ?? []]
    .flat()
    .map((cookie) => cookie.split(";")[0])
    .join("; ");
  const session = await confirmSignUp(glassbox, `${username}@example.com`, visitor);
  const me = await request(origin, { path: "/api/v0/me", headers: { Cookie: session } });
  if (me.status !== 200)
    throw new Error(`the new session of ${username} is not signed in (GET /api/v0/me answered ${me.status})`);
  if (options.join) {
    // What a browser does before its first post: open the room page, which joins the room. Without
    // it (--join=0), concurrent first posts deadlock in PostgreSQL (see bench/README.md).
    const page = await request(origin, { path: `/chat?room=${options.room}`, headers: { Cookie: session } });
    if (page.status !== 200) throw new Error(`GET /chat?room=${options.room} as ${username} answered ${page.status}`);
  }
  return { username, cookie: session, recent: [] };
}

async function takeMember() {
  for (;;) {
    const t = Date.now();
    let best;
    for (const member of members) {
      member.recent = member.recent.filter((at) => t - at < RATE_WINDOW_MS);
      if (member.recent.length < RATE_ATTEMPTS && (!best || member.recent.length < best.recent.length)) best = member;
    }
    if (best) {
      best.recent.push(t);
      return best;
    }
    await sleep(100);
  }
}

function messageBody(seq) {
  // No links and under 300 characters, so the app never holds it for moderation.
  const head = `sse-bench ${runTag} msg ${seq} :: `;
  return (head + "lorem ipsum dolor sit amet ".repeat(20)).slice(0, Math.max(head.length, options.bodyLength)).trim();
}

/** Sends message `seq` through the target; resolves once the POST/trigger has answered. */
async function send(target, seq) {
  if (target.name === "glassbox") {
    const member = await takeMember();
    const form = new URLSearchParams({ intent: "post", body: messageBody(seq) });
    const response = await request(target.origin, {
      method: "POST",
      path: `/chat?room=${options.room}`,
      headers: { Origin: target.origin, Cookie: member.cookie, "Content-Type": "application/x-www-form-urlencoded" },
      body: form.toString(),
    });
    return {
      seq,
      sentAt: response.sentAt,
      status: response.status,
      ok: response.status === 303,
      responseMs: response.ms,
      detail: response.status === 303 ? undefined : response.body.slice(0, 300),
    };
  }
  // The same frame shape glassbox writes (id, event: chat, the message JSON), so the bytes match.
  const data = JSON.stringify({
    type: "message",
    message: {
      id: String(seq),
      roomId: options.room,
      authorName: `bench_${runTag}_0`,
      body: messageBody(seq),
      status: "visible",
      createdAt: new Date().toISOString(),
      mine: false,
    },
  });
  const frame = `id: ${seq}\nevent: chat\ndata: ${data}\n\n`;
  const response = await request(target.origin, { method: "POST", path: "/broadcast", body: frame });
  return {
    seq,
    sentAt: response.sentAt,
    status: response.status,
    ok: response.status === 204,
    responseMs: response.ms,
    fanoutWriteMs: Number(response.headers["x-fanout-ms"]),
  };
}

async function waitDelivered(seqs, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const statuses = await Promise.all(workers.map((worker) => worker.call({ cmd: "status" })));
    if (seqs.every((seq) => statuses.every((status) => (status.counts[seq] ?? 0) >= status.open))) return true;
    if (Date.now() > deadline) return false;
    await sleep(50);
  }
}

// ---------------------------------------------------------------------------------------------
// one phase: N subscribers on one target

async function runPhase(target, n) {
  log(`${target.name} N=${n}: connecting`);
  const phase = { target: target.name, subscribers: n, loadAverageAtStart: loadAverage() };
  const endPhaseWindow = cpuWindow(machine.cores);
  await sleep(1_000);
  const idle = readStatus(target.pid);

  const shares = workers.map((_, index) => Math.floor(n / workers.length) + (index < n % workers.length ? 1 : 0));
  const pathFor = () =>
    target.name === "glassbox" ? `/events?tab=${randomUUID()}&room=${options.room}` : `/events?tab=${randomUUID()}`;
  const connectStarted = now();
  const connectCpuBefore = cpuMs(target.pid);
  const connects = await Promise.all(
    workers.map((worker, index) =>
      worker.call({
        cmd: "connect",
        origin: target.origin,
        paths: Array.from({ length: shares[index] }, pathFor),
        concurrency: options.concurrency,
      }),
    ),
  );
  const connected = connects.reduce((sum, reply) => sum + reply.ok, 0);
  const failedErrors = {};
  for (const reply of connects)
    for (const [key, count] of Object.entries(reply.errors)) failedErrors[key] = (failedErrors[key] ?? 0) + count;
  phase.connect = {
    connected,
    failed: n - connected,
    errors: failedErrors,
    seconds: round((now() - connectStarted) / 1000, 2),
    serverCpuMsPerConnection: connected ? round((cpuMs(target.pid) - connectCpuBefore) / connected, 3) : null,
  };
  log(
    `${target.name} N=${n}: ${connected}/${n} connected in ${phase.connect.seconds} s${connected < n ? ` (${JSON.stringify(failedErrors)})` : ""}`,
  );

  await sleep(2_000);
  const afterConnect = readStatus(target.pid);
  phase.memory = {
    idleRssKb: idle.vmRssKb,
    connectedRssKb: afterConnect.vmRssKb,
    perConnectionKb: connected ? round((afterConnect.vmRssKb - idle.vmRssKb) / connected, 2) : null,
    idleRssAnonKb: idle.rssAnonKb,
    connectedRssAnonKb: afterConnect.rssAnonKb,
  };
  if (target.name === "bare")
    phase.serverOpenStreams = JSON.parse((await request(target.origin, { path: "/stats" })).body).open;
  if (connected === 0) {
    phase.error = "no subscriber could connect";
    await Promise.all(workers.map((worker) => worker.call({ cmd: "disconnect" })));
    return phase;
  }

  const sends = { warmup: [], single: [], burst: [] };
  const timeouts = [];

  // warm-up: one message, not counted in the latency figures
  const warm = await send(target, nextSeq++);
  sends.warmup.push(warm);
  if (warm.ok && !(await waitDelivered([warm.seq], 30_000)))
    timeouts.push(`warm-up message ${warm.seq} not delivered to everyone within 30 s`);

  // single messages, one at a time: post-to-delivery latency with nothing else in flight
  for (let k = 0; k < options.singles; k++) {
    const sent = await send(target, nextSeq++);
    sends.single.push(sent);
    if (sent.ok && !(await waitDelivered([sent.seq], 30_000)))
      timeouts.push(`single message ${sent.seq} not delivered to everyone within 30 s`);
    await sleep(250);
  }

  // burst: all messages sent at once
  const cpuBefore = cpuMs(target.pid);
  const endBurstWindow = cpuWindow(machine.cores);
  const burstSeqs = Array.from({ length: options.burst }, () => nextSeq++);
  const burst = await Promise.all(burstSeqs.map((seq) => send(target, seq)));
  sends.burst.push(...burst);
  const burstTimeoutMs = 30_000 + (options.burst * n) / 2; // 30 s + 0.5 ms per delivery
  if (
    !(await waitDelivered(
      burst.filter((sent) => sent.ok).map((sent) => sent.seq),
      burstTimeoutMs,
    ))
  ) {
    timeouts.push(`burst not delivered to everyone within ${round(burstTimeoutMs / 1000, 0)} s`);
  }
  const cpuAfter = cpuMs(target.pid);
  const burstNoise = endBurstWindow();
  const afterBurst = readStatus(target.pid);
  phase.memory.afterBurstRssKb = afterBurst.vmRssKb;

  // collect receipts
  const collected = await Promise.all(workers.map((worker) => worker.call({ cmd: "collect" })));
  const receiptsOf = (seq) => collected.flatMap((reply) => reply.messages[seq] ?? []);
  const stillOpen = collected.reduce((sum, reply) => sum + reply.open, 0);
  const clientStats = {};
  for (const reply of collected) {
    for (const [key, value] of Object.entries(reply.stats)) {
      if (typeof value === "number") clientStats[key] = (clientStats[key] ?? 0) + value;
      else {
        clientStats[key] ??= {};
        for (const [reason, count] of Object.entries(value))
          clientStats[key][reason] = (clientStats[key][reason] ?? 0) + count;
      }
    }
  }

  function group(list) {
    const latencies = [];
    const perMessage = [];
    let delivered = 0;
    let missing = 0;
    let firstSent = Number.POSITIVE_INFINITY;
    let lastReceipt = 0;
    for (const sent of list) {
      if (!sent.ok) continue;
      const receipts = receiptsOf(sent.seq);
      delivered += receipts.length;
      missing += connected - receipts.length;
      firstSent = Math.min(firstSent, sent.sentAt);
      let last = 0;
      for (const at of receipts) {
        latencies.push(at - sent.sentAt);
        last = Math.max(last, at);
      }
      lastReceipt = Math.max(lastReceipt, last);
      const one = summarize(receipts.map((at) => at - sent.sentAt));
      perMessage.push({
        seq: sent.seq,
        received: receipts.length,
        p50: one.p50,
        p99: one.p99,
        max: one.max,
        postResponseMs: round(sent.responseMs),
        ...(sent.fanoutWriteMs !== undefined ? { serverWriteLoopMs: sent.fanoutWriteMs } : {}),
      });
    }
    const failedSends = list
      .filter((sent) => !sent.ok)
      .map((sent) => ({ seq: sent.seq, status: sent.status, detail: sent.detail }));
    const seconds = lastReceipt > 0 ? (lastReceipt - firstSent) / 1000 : null;
    return {
      messages: list.length,
      failedSends,
      expectedDeliveries: connected * list.filter((sent) => sent.ok).length,
      delivered,
      missing,
      latencyMs: summarize(latencies),
      postResponseMs: summarize(list.map((sent) => sent.responseMs)),
      firstSendToLastDeliverySeconds: round(seconds, 3),
      deliveriesPerSecond: seconds ? Math.round(delivered / seconds) : null,
      perMessage,
    };
  }

  phase.warmup = group(sends.warmup);
  phase.single = group(sends.single);
  phase.burst = group(sends.burst);
  phase.burst.serverCpuMs = round(cpuAfter - cpuBefore, 0);
  phase.burst.serverCpuMicrosPerDelivery = phase.burst.delivered
    ? round(((cpuAfter - cpuBefore) * 1000) / phase.burst.delivered, 2)
    : null;
  phase.client = {
    ...clientStats,
    avgChatFrameBytes: clientStats.chatFrames ? round(clientStats.chatFrameBytes / clientStats.chatFrames, 1) : null,
    socketReadsPerChatFrame: clientStats.chatFrames
      ? round(clientStats.chatDataEvents / clientStats.chatFrames, 2)
      : null,
    stillOpenAtEnd: stillOpen,
  };
  phase.timeouts = timeouts;
  phase.noise = { phase: endPhaseWindow(), burst: burstNoise };
  log(
    `${target.name} N=${n}: single p50 ${phase.single.latencyMs.p50} ms p99 ${phase.single.latencyMs.p99} ms; burst p50 ${phase.burst.latencyMs.p50} ms p99 ${phase.burst.latencyMs.p99} ms, ` +
      `${phase.burst.deliveriesPerSecond} deliveries/s; missing ${phase.single.missing + phase.burst.missing + phase.warmup.missing}; ${phase.memory.perConnectionKb} KiB/connection`,
  );

  // disconnect and let the server notice
  await Promise.all(workers.map((worker) => worker.call({ cmd: "disconnect" })));
  const closeDeadline = Date.now() + 15_000;
  if (target.name === "bare") {
    while (Date.now() < closeDeadline && JSON.parse((await request(target.origin, { path: "/stats" })).body).open > 0)
      await sleep(100);
  } else {
    await sleep(2_000);
  }
  return phase;
}

// ---------------------------------------------------------------------------------------------
// report

function compare(phases) {
  const out = [];
  for (const n of sizes) {
    const g = phases.find((phase) => phase.target === "glassbox" && phase.subscribers === n);
    const b = phases.find((phase) => phase.target === "bare" && phase.subscribers === n);
    if (!g?.single || !b?.single) continue;
    out.push({
      subscribers: n,
      singleP50Ratio: ratio(g.single.latencyMs.p50, b.single.latencyMs.p50),
      singleP99Ratio: ratio(g.single.latencyMs.p99, b.single.latencyMs.p99),
      burstP50Ratio: ratio(g.burst.latencyMs.p50, b.burst.latencyMs.p50),
      burstP99Ratio: ratio(g.burst.latencyMs.p99, b.burst.latencyMs.p99),
      deliveriesPerSecondRatio: ratio(g.burst.deliveriesPerSecond, b.burst.deliveriesPerSecond, 3),
      memoryPerConnectionRatio: ratio(g.memory.perConnectionKb, b.memory.perConnectionKb),
      cpuPerDeliveryRatio: ratio(g.burst.serverCpuMicrosPerDelivery, b.burst.serverCpuMicrosPerDelivery),
    });
  }
  return out;
}

function markdown(report) {
  const rows = report.phases.map((phase) => {
    if (!phase.connect)
      return `| ${fmt(phase.subscribers)} | ${phase.target} | failed: ${phase.error} | | | | | | | | | |`;
    const missing = phase.single ? phase.warmup.missing + phase.single.missing + phase.burst.missing : null;
    return `| ${fmt(phase.subscribers)} | ${phase.target} | ${fmt(phase.connect.connected)} (${fmt(phase.connect.seconds)} s) | ${fmt(phase.single?.latencyMs.p50)} | ${fmt(phase.single?.latencyMs.p99)} | ${fmt(phase.burst?.latencyMs.p50)} | ${fmt(phase.burst?.latencyMs.p99)} | ${fmt(phase.burst?.deliveriesPerSecond)} | ${fmt(phase.burst?.serverCpuMicrosPerDelivery)} | ${fmt(phase.memory.perConnectionKb)} | ${fmt(missing)} | ${fmt(phase.noise?.burst.otherProcessesCores)} |`;
  });
  const ratios = report.comparisons.map(
    (c) =>
      `| ${fmt(c.subscribers)} | ${fmt(c.singleP50Ratio, "×")} | ${fmt(c.singleP99Ratio, "×")} | ${fmt(c.burstP50Ratio, "×")} | ${fmt(c.burstP99Ratio, "×")} | ${fmt(c.deliveriesPerSecondRatio, "×")} | ${fmt(c.cpuPerDeliveryRatio, "×")} | ${fmt(c.memoryPerConnectionRatio, "×")} |`,
  );
  const problems = report.phases.flatMap((phase) => [
    ...(phase.error ? [`${phase.target} N=${phase.subscribers}: ${phase.error}`] : []),
    ...(phase.timeouts ?? []).map((text) => `${phase.target} N=${phase.subscribers}: ${text}`),
    ...(phase.connect?.failed
      ? [
          `${phase.target} N=${phase.subscribers}: ${phase.connect.failed} connections failed ${JSON.stringify(phase.connect.errors)}`,
        ]
      : []),
    ...[phase.warmup, phase.single, phase.burst].flatMap((group) =>
      (group?.failedSends ?? []).map(
        (failed) => `${phase.target} N=${phase.subscribers}: message ${failed.seq} was refused (${failed.status})`,
      ),
    ),
    ...(phase.client?.closedEvents
      ? [
          `${phase.target} N=${phase.subscribers}: ${phase.client.closedEvents} streams were closed by the server ${JSON.stringify(phase.client.closedReasons)}`,
        ]
      : []),
    ...(phase.client?.droppedAfterConnect
      ? [`${phase.target} N=${phase.subscribers}: ${phase.client.droppedAfterConnect} streams dropped during the run`]
      : []),
  ]);
  return `# SSE fan-out: latest run

${machineLine(report, [`ulimit -n ${report.machine.openFilesSoft}`])}

Raw figures: \`${report.file}\`. Method and how to read it: \`bench/README.md\`.

Each target gets N subscribers (guests on \`/events?room=${report.options.room}\` for glassbox, plain \`GET /events\` for the bare
\`node:http\` broadcaster), held by ${report.options.workers} client processes; then one warm-up message, ${report.options.singles} single
messages one at a time, and a burst of ${report.options.burst} messages sent at once. Latency is from the moment the POST (glassbox:
\`POST /chat\` as a signed-in member; bare: \`POST /broadcast\`) is sent to the moment each client reads the frame.

| N | target | connected (time) | single p50 ms | single p99 ms | burst p50 ms | burst p99 ms | burst deliveries/s | server CPU µs/delivery | RSS KiB/connection | missing | other load (cores) |
|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|
${rows.join("\n")}

Glassbox relative to bare (latency and cost: higher is worse; deliveries/s: lower is worse):

| N | single p50 | single p99 | burst p50 | burst p99 | deliveries/s | CPU/delivery | memory/connection |
|---:|---:|---:|---:|---:|---:|---:|---:|
${ratios.join("\n")}

${problems.length ? `Problems seen:\n\n${problems.map((text) => `- ${text}`).join("\n")}\n` : "Every connected subscriber received every message; no stream was closed or dropped.\n"}
${report.notes.length ? `Notes:\n\n${report.notes.map((text) => `- ${text}`).join("\n")}\n` : ""}
Caveats: one shared, possibly noisy machine — servers, PostgreSQL and the client processes all compete
for the same ${report.machine.cores} cores, so client-side parsing time is part of every latency, and absolute
numbers move between runs; compare the ratios within one run. "Other load" is the CPU that processes this
benchmark did not start used during the burst, in cores (from /proc/stat): above ~0.3 the figures are disturbed. Memory per connection is the server's VmRSS
growth after connecting N clients, divided by N: garbage collection timing makes it approximate (and PostgreSQL's
processes are not counted). Glassbox's figure includes the POST itself (rate limit check, a transaction,
NOTIFY, the LISTEN round trip and a re-read of the message); the bare trigger is a plain HTTP request.
`;
}

// ---------------------------------------------------------------------------------------------
// main

async function main() {
  const started = new Date();
  const loadBefore = loadAverage();
  log(
    `machine: ${machine.cores} cores, Node ${machine.node}, ulimit -n ${machine.openFilesSoft}, ${machine.ephemeralPorts} ephemeral ports`,
  );
  for (const note of notes) log(`note: ${note}`);
  log(
    `sizes ${sizes.join(", ")}; ${options.singles} single messages and a burst of ${options.burst} per size; ${options.workers} client workers`,
  );

  if (targets.includes("glassbox")) {
    glassbox = await startGlassbox({
      notes,
      nodeFlags: options.cpuProf ? ["--cpu-prof", `--cpu-prof-dir=${options.cpuProf}`] : [],
      // Every subscriber and member comes from 127.0.0.1: the per-address caps are for strangers, not for this load.
      env: { STREAMS_PER_ADDRESS: "1000000", SIGNUPS_PER_ADDRESS_PER_HOUR: "1000000" },
      benchCommand: "npm run bench:sse",
    });
    log(`glassbox ready at ${glassbox.origin} (pid ${glassbox.pid})`);
    const needed = Math.max(options.members, Math.ceil((options.burst + options.singles + 1) / RATE_ATTEMPTS) + 2);
    for (let index = 0; index < needed; index++) members.push(await register(glassbox.origin, index));
    log(`${members.length} members registered (the chat allows each ${RATE_ATTEMPTS} messages per 10 s)`);
  }
  if (targets.includes("bare")) {
    bare = await startPortServer("bare", join(BENCH, "lib/bare-broadcaster.mjs"));
    log(`bare broadcaster ready at ${bare.origin} (pid ${bare.pid})`);
  }
  workers = Array.from({ length: options.workers }, (_, index) =>
    forkWorker(join(BENCH, "lib/client-worker.mjs"), index),
  );

  const phases = [];
  for (const n of sizes) {
    for (const target of [bare, glassbox].filter(Boolean)) {
      if (stopping) return;
      try {
        phases.push(await runPhase(target, n));
      } catch (error) {
        if (stopping) return;
        // Record what happened and go on: a failed phase is a result too.
        const exited = target.child.exitCode ?? target.child.signalCode;
        log(
          `${target.name} N=${n} failed: ${error.message}${exited !== null ? ` (the server exited: ${exited})` : ""}`,
        );
        phases.push({
          target: target.name,
          subscribers: n,
          error: `${error.message}${exited !== null ? ` (the server exited: ${exited})` : ""}`,
        });
        await Promise.all(workers.map((worker) => worker.call({ cmd: "disconnect" }).catch(() => undefined)));
        if (exited !== null) break;
      }
    }
  }

  const glassboxLog = glassbox ? glassbox.lines.filter((line) => line.trim() !== "") : [];
  const report = {
    ...runRecord("sse-fanout", started, { machine, loadBefore }),
    options: { ...options, sizes },
    requestedSizes,
    notes,
    phases,
    comparisons: compare(phases),
    glassboxWarnings: glassboxLog.slice(-50),
  };
  await shutdown();
  writeResults(report.file, report, "LATEST.md", markdown(report));
  log(`wrote ${report.file} and bench/results/LATEST.md`);
  for (const c of report.comparisons) {
    log(
      `N=${c.subscribers}: glassbox/bare single p99 ${c.singleP99Ratio}×, burst p99 ${c.burstP99Ratio}×, deliveries/s ${c.deliveriesPerSecondRatio}×, memory/connection ${c.memoryPerConnectionRatio}×`,
    );
  }
}

main().catch(async (error) => {
  console.error(error);
  await shutdown().catch(() => undefined);
  process.exit(1);
});
