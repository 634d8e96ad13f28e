import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { startEmbeddedPostgres } from "../../server/embedded-postgres.ts";
import { createLogger } from "../../server/logger.ts";

declare module "vitest" {
  export interface ProvidedContext {
    /** A superuser connection to the run's PostgreSQL; test files create their databases through it. */
    postgresUrl: string;
  }
}

/** Starts the run's embedded PostgreSQL in a temporary directory and removes it afterwards. */
export default async function setup(project: TestProject) {
  const dataDir = await mkdtemp(join(tmpdir(), "glassbox-vitest-"));
  const postgres = await startEmbeddedPostgres(dataDir, createLogger("json", "silent"));
  project.provide("postgresUrl", postgres.url);
  return async () => {
    await postgres.stop();
    await rm(dataDir, { recursive: true, force: true });
  };
}
