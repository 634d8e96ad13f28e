/**
 * Run by tests/integration/stream-budget.test.ts as `node --import tsx tests/support/stream-budget-probe.ts`
 * inside a network namespace of its own whose TCP buffers are small (4 KiB): on a default loopback
 * the kernel takes about 3.8 MiB from every socket that stops reading, so a thousand of them would
 * hide gigabytes before the server process held a byte. Here what the clients do not read stays in
 * the server process, where the budget for unsent stream bytes (STREAM_BUFFER_MB) has to hold it.
 *
 * The production build on its own embedded PostgreSQL; STREAMS lab streams, 16 per visitor (the
 * default cap), that read their headers and then nothing; requests to /lab/probe (the lab burst's
 * target) by those visitors in turn, each request's trace going to its visitor's 16 tabs, until the
 * budget has ended half of the streams or DRIVE_MS has passed; the server's RSS sampled all along;
 * what its heap holds after a full garbage collection before the streams, while the other half still
 * hold what they were sent, and after every client socket closed. One `RESULT {json}` line.
 *
 * Environment: BUDGET_MB (STREAM_BUFFER_MB, default 16), STREAMS (default 1000), DRIVE_MS (default 30000).
 */
import { randomBytes, randomUUID } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startServer } from "./server.ts";

const budgetMb = Number(process.env.BUDGET_MB ?? 16);
const streams = Number(process.env.STREAMS ?? 1000);
const driveMs = Number(process.env.DRIVE_MS ?? 30_000);
const TABS_PER_VISITOR = 16;
const BUDGET_LOG = "live streams over the unsent-bytes budget: the slowest were dropped";
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const tenths = (mb: number) => Math.round(mb * 10) / 10;

const dataDir = mkdtempSync(join(tmpdir(), "glassbox-budget-"));
// SIGUSR2 makes Node write a heap snapshot, after a full garbage collection: what it holds then is held for real.
const server = await startServer({
  DATA_DIR: dataDir,
  STREAM_BUFFER_MB: String(budgetMb),
  STREAMS_PER_ADDRESS: String(streams * 2),
  LOG_LEVEL: "info",
  NODE_OPTIONS: `--heapsnapshot-signal=SIGUSR2 --diagnostic-dir=${dataDir}`,
});
const { hostname, port } = new URL(server.url);
const rssMb = () =>
  Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${server.process.pid}/status`, "utf8"))?.[1]) / 1024;
const endedByBudget = () =>
  server
    .logs()
    .filter((line) => line.msg === BUDGET_LOG)
    .reduce((sum, line) => sum + Number(line.dropped), 0);

/** A lab tab's stream that takes its answer's head and then reads nothing more. */
const openStream = (cookie: string) =>
  new Promise<Socket>((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    socket.on("error", reject);
    socket.write(
      `GET /events?tab=${randomUUID()}&room=lobby&lab=1 HTTP/1.1\r\nHost: ${hostname}\r\nAccept: text/event-stream\r\nCookie: ${cookie}\r\n\r\n`,
    );
    socket.once("data", (head: Buffer) => {
      socket.pause();
      if (head.toString("latin1").startsWith("HTTP/1.1 200")) resolve(socket);
      else reject(new Error(`stream refused: ${head.toString("latin1").split("\r\n")[0]}`));
    });
  });

interface HeapSnapshot {
  snapshot: { meta: { node_fields: string[] } };
  nodes: number[];
  strings: string[];
}

/**
 * What the server's heap holds after a full collection: the heap snapshot Node writes on SIGUSR2
 * (it collects first), summed: every live object, and the array buffers' backing stores among them.
 */
async function liveHeap(): Promise<{ liveMb: number; arrayBuffersMb: number }> {
  const snapshots = () => readdirSync(dataDir).filter((name) => name.endsWith(".heapsnapshot"));
  const before = snapshots().length;
  server.process.kill("SIGUSR2");
  for (let waited = 0; snapshots().length === before && waited < 30_000; waited += 100) await sleep(100);
  const file = join(dataDir, snapshots().at(-1) ?? "missing");
  // Written once it parses (Node writes it in pieces).
  let heap: HeapSnapshot | undefined;
  for (let waited = 0; !heap && waited < 30_000; waited += 200) {
    await sleep(200);
    try {
      heap = JSON.parse(readFileSync(file, "utf8")) as HeapSnapshot;
    } catch {
      // not whole yet
    }
  }
  rmSync(file);
  if (!heap) throw new Error("the server wrote no heap snapshot");
  const fields = heap.snapshot.meta.node_fields;
  const [name, size] = [fields.indexOf("name"), fields.indexOf("self_size")];
  let live = 0;
  let arrayBuffers = 0;
  for (let at = 0; at < heap.nodes.length; at += fields.length) {
    const bytes = heap.nodes[at + size] as number;
    live += bytes;
    if (heap.strings[heap.nodes[at + name] as number] === "system / JSArrayBufferData") arrayBuffers += bytes;
  }
  return { liveMb: tenths(live / 2 ** 20), arrayBuffersMb: tenths(arrayBuffers / 2 ** 20) };
}

/** A probe by each visitor in turn. */
const prober = (visitors: readonly string[]) => {
  let sent = 0;
  const probe = async () =>
    void (await (
      await fetch(`${server.url}/lab/probe`, { headers: { cookie: visitors[sent++ % visitors.length] as string } })
    ).text());
  return { probe, sent: () => sent };
};

async function holdAndDrive() {
  const visitors = Array.from(
    { length: Math.ceil(streams / TABS_PER_VISITOR) },
    () => `glassbox_visitor=${randomBytes(16).toString("base64url")}`,
  );
  const sockets: Socket[] = [];
  for (const [index, cookie] of visitors.entries()) {
    const tabs = Math.min(TABS_PER_VISITOR, streams - index * TABS_PER_VISITOR);
    sockets.push(...(await Promise.all(Array.from({ length: tabs }, () => openStream(cookie)))));
  }
  await sleep(500);
  const rssWithStreams = rssMb();
  let maxRss = rssWithStreams;
  const sampler = setInterval(() => (maxRss = Math.max(maxRss, rssMb())), 25);
  const endedBefore = endedByBudget();
  const started = Date.now();
  const { probe, sent } = prober(visitors);
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (Date.now() - started < driveMs && endedByBudget() - endedBefore < streams / 2) await probe();
    }),
  );
  const drivenMs = Date.now() - started;
  clearInterval(sampler);
  const heapWhileHeld = await liveHeap();
  for (const socket of sockets) socket.destroy();
  await sleep(1_000);
  return {
    rssWithStreamsMb: tenths(rssWithStreams),
    maxRssMb: tenths(maxRss),
    rssAfterCloseMb: tenths(rssMb()),
    heapWhileHeld,
    heapAfterClose: await liveHeap(),
    probes: sent(),
    drivenMs,
    endedByBudget: endedByBudget() - endedBefore,
  };
}

// Warm up: pages and the probe served once, pools and caches filled, before anything is measured.
const warmUp = prober([`glassbox_visitor=${randomBytes(16).toString("base64url")}`]);
for (let i = 0; i < 50; i++) await warmUp.probe();
const rssBeforeMb = tenths(rssMb());
const heapBefore = await liveHeap();
const held = await holdAndDrive();
await server.stop();
rmSync(dataDir, { recursive: true, force: true });
console.log(`RESULT ${JSON.stringify({ budgetMb, streams, rssBeforeMb, heapBefore, ...held })}`);
