/**
 * Run by tests/integration/chat.test.ts as `node --expose-gc --import tsx tests/support/sse-churn.ts`
 * (a child process, so `global.gc` exists and the app lives in this process): the built app
 * (`createApp` from build/server/index.js) behind the real Express pipeline, a real LISTEN
 * connection, then connect/disconnect churn on /events while messages are posted, forced garbage
 * collections, and a report of what was left behind, as one `RESULT {json}` line on stdout.
 *
 * Environment: DATABASE_URL (a migrated database), CYCLES (default 1000), CONCURRENCY (default 25).
 */
import { createHook } from "node:async_hooks";
import { randomBytes, randomUUID } from "node:crypto";
import { createServer, request, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Kysely, PostgresDialect, sql } from "kysely";
import pg from "pg";
import { ACTION_LOG_CHANNEL } from "#app/models/action-log.ts";
import { SESSION_CHANNEL } from "#app/models/session-events.ts";
import { CHAT_CHANNEL } from "#app/models/chat-repository.server.ts";
import { instanceChannel, instanceIdSchema, LAB_TABS_CHANNEL } from "#app/models/lab-relay.ts";
import type { Database } from "#app/models/database.server.ts";
import { defaultSignupLimit } from "#app/models/signup-throttle.server.ts";
import { defaultStreamCaps } from "#app/services/stream-quota.server.ts";
import { createTracer } from "#app/services/trace.server.ts";
import type * as AppModule from "#server/app.ts";
import { createHttpApp } from "#server/http/http.ts";
import { defaultLimits } from "#server/config.ts";
import { createLogger } from "#server/logger.ts";
import { startPgListener } from "#server/database/pg-listener.ts";

const uncaught: string[] = [];
process.on("uncaughtException", (error) =>
  uncaught.push(`uncaughtException: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`),
);
process.on("unhandledRejection", (error) =>
  uncaught.push(`unhandledRejection: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`),
);

const gc = (globalThis as { gc?: () => void }).gc;
const url = process.env.DATABASE_URL;
if (!url) throw new Error("DATABASE_URL is required");
const CYCLES = Number(process.env.CYCLES ?? 1000);
const CONCURRENCY = Number(process.env.CONCURRENCY ?? 25);

// Every Timeout object created, ref'd or not (getActiveResourcesInfo() lists only ref'd ones): an
// init-only hook keeps a weak reference to each, and "pending" counts those neither fired nor cleared.
const timerRefs: WeakRef<NodeJS.Timeout>[] = [];
createHook({
  init(_asyncId, type, _trigger, resource) {
    if (type === "Timeout") timerRefs.push(new WeakRef(resource as NodeJS.Timeout));
  },
}).enable();
type TimerInternals = NodeJS.Timeout & { _destroyed?: boolean; _idleTimeout?: number; _onTimeout?: unknown };
const pendingTimerList = () =>
  timerRefs.flatMap((ref) => {
    const timer = ref.deref() as TimerInternals | undefined;
    return timer !== undefined && timer._destroyed === false && timer._idleTimeout !== -1 ? [timer] : [];
  });
const pendingTimers = () => pendingTimerList().length;
/** What the pending timers are (delay, ref'd, the start of their callback), for the test's message. */
const describeTimers = () =>
  pendingTimerList().map(
    (timer) =>
      `${timer._idleTimeout}ms${timer.hasRef() ? " ref" : ""} ${String(timer._onTimeout).replace(/\s+/g, " ").slice(0, 80)}`,
  );

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const timeouts = () => process.getActiveResourcesInfo().filter((kind) => kind === "Timeout").length;

async function collect(rounds = 6): Promise<void> {
  for (let i = 0; i < rounds; i++) {
    gc?.();
    // Let finalizers, abort listeners and stream callbacks run between collections.
    await new Promise((resolve) => setImmediate(resolve));
    await sleep(20);
  }
}

// The runtime, as server/main.ts builds it. The pool keeps no idle-timeout timers (idleTimeoutMillis: 0),
// so the count of Timeout handles measures the app and its streams, not how many pool clients are idle.
const logger = createLogger("json", "silent");
const pool = new pg.Pool({ connectionString: url, max: 6, idleTimeoutMillis: 0 });
pool.on("error", () => undefined);
const tracer = createTracer();
const db = new Kysely<Database>({
  dialect: new PostgresDialect({ pool }),
  log: (event) => tracer.sql(event.query.sql, event.queryDurationMillis, event.level === "error"),
});
const instance = instanceIdSchema.parse(randomBytes(6).toString("hex"));
const listener = startPgListener({
  url,
  channels: [CHAT_CHANNEL, ACTION_LOG_CHANNEL, SESSION_CHANNEL, LAB_TABS_CHANNEL, instanceChannel(instance)],
  logger,
});
const bundle = new URL("../../build/server/index.js", import.meta.url).href;
const { createApp } = (await import(bundle)) as typeof AppModule;
const app = createApp({
  db,
  readDb: db,
  pool,
  environment: "production",
  sessionSecrets: [randomBytes(64).toString("base64url")],
  adminEmails: [],
  totpPendingSecs: 300,
  changes: listener.feed(CHAT_CHANNEL),
  actionLogChanges: listener.feed(ACTION_LOG_CHANNEL),
  sessionChanges: listener.feed(SESSION_CHANNEL),
  instance,
  labInstanceChanges: listener.feed(instanceChannel(instance)),
  labTabChanges: listener.feed(LAB_TABS_CHANNEL),
  oauth: {},
  publicOrigin: () => "http://127.0.0.1",
  tracer,
  selfOrigin: () => "http://127.0.0.1",
  logger,
  mail: { delivery: { kind: "mailbox" }, from: "glassbox <no-reply@localhost>", maxAttempts: 1 },
  streamCaps: defaultStreamCaps,
  signupLimit: defaultSignupLimit,
});
const http = createHttpApp({
  logger,
  tracer,
  production: true,
  showErrorDetails: false,
  limits: defaultLimits,
  corsAllowedOrigins: [],
  viteDevServer: false,
  trustProxy: false,
  longLived: app.longLived,
  assets: (_req, _res, next) => next(),
  app: app.handler,
  draining: () => false,
  compression: true,
});
const server: Server = createServer(http);
await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
const { port } = server.address() as AddressInfo;
const origin = `http://127.0.0.1:${port}`;

interface Answer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** One request on its own connection (no keep-alive agent, so no client-side pool timers). */
function send(method: string, path: string, headers: Record<string, string> = {}, body?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(`${origin}${path}`, {
      method,
      agent: false,
      headers: { ...headers, ...(body === undefined ? {} : { "content-length": String(Buffer.byteLength(body)) }) },
    });
    req.once("error", reject);
    req.once("response", (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (text += chunk));
      res.once("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
    });
    req.end(body);
  });
}

const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
const FORM = { "content-type": "application/x-www-form-urlencoded" };

/** Registers, then follows the welcome mail's link (read from the queued job: no worker runs here), which signs in. */
async function register(tag: string): Promise<string> {
  const name = `churn_${tag}_${randomBytes(3).toString("hex")}`;
  const registered = await send(
    "POST",
    "/register",
    FORM,
    form({ username: name, email: `${name}@example.com`, password: `pw-${randomBytes(9).toString("base64url")}` }),
  );
  if (registered.status !== 303)
    throw new Error(`register answered ${registered.status}: ${registered.body.slice(0, 300)}`);
  const { rows } = await sql<{ text: string }>`
    select jobs.payload->>'text' as text from graphile_worker._private_jobs jobs
    where jobs.payload->>'to' = ${`${name}@example.com`} order by jobs.id desc limit 1`.execute(db);
  const token = /\/verify-email\?token=([\w-]{43})/.exec(rows[0]?.text ?? "")?.[1];
  if (!token) throw new Error("no confirmation link in the welcome mail");
  const answer = await send("POST", "/verify-email", FORM, form({ intent: "confirm", token }));
  if (answer.status !== 303) throw new Error(`confirming answered ${answer.status}: ${answer.body.slice(0, 300)}`);
  const cookie = (answer.headers["set-cookie"] ?? [])
    .map((line) => line.split(";")[0] ?? "")
    .find((pair) => pair.includes("glassbox_session="));
  if (!cookie) throw new Error("no session cookie after registering");
  return cookie;
}

let posted = 0;
let postFailures = 0;
async function postAs(cookie: string, body: string): Promise<void> {
  const answer = await send("POST", "/chat?room=lobby", { ...FORM, cookie }, form({ intent: "post", body }));
  if (answer.status === 303) posted += 1;
  else postFailures += 1;
}

/** A message as another instance would commit and announce it (what the hub sees is the same notice). */
let notified = 0;
/** Where "after-first-frame" streams replay from: a few messages back, so each gets a short replay. */
let replayFrom = "1";
const recent: string[] = [];
async function notifyMessage(body: string): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const row = await trx
      .insertInto("chat_messages")
      .values({ room_id: "lobby", author_id: null, author_name: "churn", body, status: "visible" })
      .returning("id")
      .executeTakeFirstOrThrow();
    await sql`select pg_notify(${CHAT_CHANNEL}, ${`${row.id}:posted`})`.execute(trx);
    recent.push(row.id);
  });
  notified += 1;
  replayFrom = recent.at(-3) ?? replayFrom;
}

type Mode = "abort-at-once" | "abort-on-headers" | "after-first-frame" | "after-a-while" | "same-tab-twice";
const modes: Mode[] = ["abort-at-once", "abort-on-headers", "after-first-frame", "after-a-while", "same-tab-twice"];
const byMode: Record<string, { cycles: number; frames: number; statuses: Record<string, number> }> = {};
let framesReceived = 0;
let maxOpen = 0;

/** One stream: opened, and dropped by the client the way `mode` says. Resolves once its socket is closed. */
function streamCycle(
  mode: Mode,
  options: { tab: string; cookie: string; lab: boolean; after?: string },
): Promise<void> {
  const stats = (byMode[mode] ??= { cycles: 0, frames: 0, statuses: {} });
  stats.cycles += 1;
  const query = new URLSearchParams({
    tab: options.tab,
    room: "lobby",
    ...(options.lab ? { lab: "1" } : {}),
    ...(options.after ? { after: options.after } : {}),
  });
  return new Promise((resolve) => {
    const req = request(`${origin}/events?${query}`, {
      agent: false,
      headers: { accept: "text/event-stream", cookie: options.cookie },
    });
    let fallback: NodeJS.Timeout | undefined;
    const drop = () => req.destroy();
    req.once("close", () => {
      clearTimeout(fallback);
      resolve();
    });
    req.on("error", () => undefined);
    req.once("response", (res) => {
      stats.statuses[res.statusCode ?? 0] = (stats.statuses[res.statusCode ?? 0] ?? 0) + 1;
      maxOpen = Math.max(maxOpen, app.openStreams());
      res.on("error", () => undefined);
      if (mode === "abort-on-headers") return drop();
      let buffered = "";
      res.on("data", (chunk: Buffer) => {
        buffered += chunk.toString();
        const frames = buffered.split("\n\n").length - 1;
        if (frames > 0) {
          framesReceived += frames;
          stats.frames += frames;
          buffered = buffered.slice(buffered.lastIndexOf("\n\n") + 2);
          if (mode === "after-first-frame") drop();
        }
      });
      if (mode === "after-a-while" || mode === "same-tab-twice") setTimeout(drop, Math.floor(Math.random() * 40));
      // after-first-frame: a replay is on its way (after=); give up if it never comes.
      if (mode === "after-first-frame") fallback = setTimeout(drop, 2_000);
    });
    req.end();
    if (mode === "abort-at-once") setImmediate(drop);
  });
}

// Warm-up: members, a few messages, one stream opened and closed, everything the app creates once.
const members = await Promise.all(["a", "b", "c"].map(register));
for (let i = 0; i < 3; i++) await notifyMessage(`warm-up ${i}`);
await postAs(members[0]!, "warm-up post");
await streamCycle("after-first-frame", {
  tab: randomUUID(),
  cookie: `glassbox_visitor=${randomBytes(16).toString("base64url")}`,
  lab: false,
  after: replayFrom,
});
await streamCycle("after-a-while", { tab: randomUUID(), cookie: members[1]!, lab: true });
const quiet = async () => {
  for (let waited = 0; waited < 5_000; waited += 20) {
    const connections = await new Promise<number>((resolve) =>
      server.getConnections((_error, count) => resolve(count)),
    );
    if (connections === 0 && app.openStreams() === 0) return;
    await sleep(20);
  }
};
await quiet();
await collect();
const timeoutsBaseline = timeouts();
const pendingTimersBaseline = pendingTimers();
const heapBaseline = process.memoryUsage().heapUsed;

// The churn, with messages posted meanwhile (through the app, and as another instance would).
let churning = true;
const traffic = (async () => {
  let i = 0;
  while (churning) {
    const member = members[i % members.length]!;
    await Promise.all([
      i < 12 ? postAs(member, `during the churn ${i}`) : Promise.resolve(),
      notifyMessage(`notice during the churn ${i}`),
    ]);
    i += 1;
    await sleep(15);
  }
})();

const started = performance.now();
let next = 0;
let completed = 0;
const worker = async () => {
  while (next < CYCLES) {
    const index = next++;
    const mode = modes[index % modes.length]!;
    // A browser's visitor cookie (so a tab's second stream replaces its first), a member's session
    // for every third; every other stream is a lab tab (trace and timeline frames too).
    const visitor = `glassbox_visitor=${randomBytes(16).toString("base64url")}`;
    const cookie = index % 3 === 0 ? `${visitor}; ${members[index % members.length]}` : visitor;
    const lab = index % 2 === 0;
    const tab = randomUUID();
    if (mode === "same-tab-twice") {
      // The second stream of a tab replaces the first (the hub closes the older one).
      await Promise.all([
        streamCycle(mode, { tab, cookie, lab }),
        sleep(2).then(() => streamCycle(mode, { tab, cookie, lab })),
      ]);
    } else {
      await streamCycle(mode, { tab, cookie, lab, after: mode === "after-first-frame" ? replayFrom : undefined });
    }
    completed += 1;
  }
};
await Promise.all(Array.from({ length: CONCURRENCY }, worker));
const churnMs = performance.now() - started;
churning = false;
await traffic;

// Let the server notice every disconnect, collect garbage, then make the hub send to whatever it still holds.
await quiet();
const openRightAfter = app.openStreams();
await collect();
for (let i = 0; i < 5; i++) await notifyMessage(`after the collections ${i}`);
await postAs(members[2]!, "after the collections");
await sleep(300);
await collect();
await quiet();

const result = {
  gcExposed: typeof gc === "function",
  cycles: completed,
  streams: Object.values(byMode).reduce((sum, mode) => sum + mode.cycles, 0) - 2,
  byMode,
  churnMs: Math.round(churnMs),
  framesReceived,
  maxOpen,
  posted,
  postFailures,
  notified,
  openRightAfter,
  openStreams: app.openStreams(),
  streamIndexes: app.streamIndexes(),
  timeoutsBaseline,
  timeoutsAfter: timeouts(),
  pendingTimersBaseline,
  pendingTimersAfter: pendingTimers(),
  pendingTimerKinds: describeTimers(),
  heapGrowthMb: Math.round(((process.memoryUsage().heapUsed - heapBaseline) / 1024 / 1024) * 10) / 10,
  uncaught,
};
process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);

app.close();
server.close();
await listener.stop();
await db.destroy();
process.exit(0);
