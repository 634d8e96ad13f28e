import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Kysely, PostgresDialect } from "kysely";
import pg from "pg";
import type { TestProject } from "vitest/node";
import { migrateToLatest } from "#db/migrate.ts";
import { startEmbeddedPostgres } from "#server/database/embedded-postgres.ts";
import { createLogger } from "#server/logger.ts";

declare module "vitest" {
  export interface ProvidedContext {
    /** A superuser connection to the run's PostgreSQL; test files create their databases through it. */
    postgresUrl: string;
    /** A database migrated once for the run, which test files clone (CREATE DATABASE … TEMPLATE). */
    migratedTemplate: string;
  }
}

const TEMPLATE = "glassbox_migrated";

/** Makes the template: a database with every migration applied, closed again (a template must have no connections). */
async function createMigratedTemplate(clusterUrl: string): Promise<void> {
  const admin = new pg.Client({ connectionString: clusterUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${TEMPLATE}`).finally(() => admin.end());
  const url = Object.assign(new URL(clusterUrl), { pathname: `/${TEMPLATE}` }).href;
  const db = new Kysely<unknown>({
    dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: url, max: 1 }) }),
  });
  await migrateToLatest(db).finally(() => db.destroy());
}

/** Starts the run's embedded PostgreSQL in a temporary directory, migrates the template once, and removes it all afterwards. */
export default async function setup(project: TestProject) {
  const dataDir = await mkdtemp(join(tmpdir(), "glassbox-vitest-"));
  const postgres = await startEmbeddedPostgres(dataDir, createLogger("json", "silent"));
  await createMigratedTemplate(postgres.url);
  project.provide("postgresUrl", postgres.url);
  project.provide("migratedTemplate", TEMPLATE);
  return async () => {
    await postgres.stop();
    await rm(dataDir, { recursive: true, force: true });
  };
}
