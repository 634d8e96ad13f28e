import { randomBytes } from "node:crypto";
import { afterAll, beforeAll } from "vitest";
import { createTestDatabase, type TestDatabase } from "./database.ts";
import { startServer, type RunningServer } from "./server.ts";
import type { SseStream } from "./sse-client.ts";

export interface TwoInstances {
  readonly database: TestDatabase;
  readonly a: RunningServer;
  readonly b: RunningServer;
  /** Streams a test opened: closed after the file's tests. */
  readonly streams: SseStream[];
}

/**
 * Two production builds on one fresh database (with one session secret, behind a loopback proxy,
 * and `env`), started before a test file's tests; after them its streams are closed, both
 * instances stopped and the database dropped. Read the fields inside tests, not at import.
 */
export function twoInstancesOnOneDatabase(env: Record<string, string> = {}): TwoInstances {
  const streams: SseStream[] = [];
  let database: TestDatabase | undefined;
  let servers: [RunningServer, RunningServer] | undefined;
  const started = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error("the two instances start in beforeAll");
    return value;
  };
  beforeAll(async () => {
    database = await createTestDatabase();
    const all = {
      DATABASE_URL: database.url,
      SESSION_SECRET: randomBytes(64).toString("base64url"),
      TRUST_PROXY: "loopback",
      ...env,
    };
    servers = await Promise.all([startServer(all), startServer(all)]);
  });
  afterAll(async () => {
    for (const stream of streams) stream.close();
    await Promise.all((servers ?? []).map((server) => server.stop()));
    await database?.drop();
  });
  return {
    get database() {
      return started(database);
    },
    get a() {
      return started(servers)[0];
    },
    get b() {
      return started(servers)[1];
    },
    streams,
  };
}
