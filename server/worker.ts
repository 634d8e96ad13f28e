import type { Kysely } from "kysely";
import { migrateToLatest } from "../db/migrate.ts";
import { parseConfig } from "./config.ts";
import { openDatabase, type DatabaseRuntime } from "./database/database.ts";
import { migrateJobQueue, type JobRunner } from "./jobs/job-runner.ts";
import { createLogger } from "./logger.ts";
import { mailSettings } from "./jobs/mail-settings.ts";
import { runJobs } from "./jobs/tasks.ts";

/**
 * `npm run worker`: runs the background jobs and cron beside the web instances, on DATABASE_URL.
 * SIGTERM/SIGINT finish the jobs in flight and exit 0; a second signal exits at once with 1.
 * (On the embedded database the web process runs the jobs itself: only it can reach that cluster.)
 */
async function main(): Promise<void> {
  const parsed = parseConfig(process.env);
  if (!parsed.ok) {
    process.stderr.write(
      `glassbox worker cannot start, the configuration is invalid:\n${parsed.problems.map((p) => `  - ${p}`).join("\n")}\n`,
    );
    process.exit(1);
  }
  const config = parsed.config;
  const logger = createLogger(config.logFormat, config.logLevel);
  if (!config.databaseUrl) {
    logger.fatal(
      "npm run worker needs DATABASE_URL: on the embedded database `npm start` runs the jobs in its own process",
    );
    process.exit(1);
  }
  let database: DatabaseRuntime | undefined;
  let runner: JobRunner | undefined;
  try {
    database = await openDatabase(config, logger);
    // Either process may start first: both migrate (each migrator takes a lock, so this is safe).
    await migrateToLatest(database.db as Kysely<unknown>);
    await migrateJobQueue(database.url, logger);
    const mail = mailSettings(config, logger);
    runner = await runJobs({ config, database, mail, logger });
    let stopping = false;
    const stop = (signal: NodeJS.Signals) => {
      if (stopping) process.exit(1);
      stopping = true;
      logger.info({ signal }, "worker shutting down: finishing the jobs in flight");
      void (async () => {
        await runner?.stop();
        mail.close();
        await database?.close();
        logger.info("worker stopped");
        process.exit(0);
      })().catch((error: unknown) => {
        logger.error({ err: error }, "worker shutdown failed");
        process.exit(1);
      });
    };
    for (const signal of ["SIGTERM", "SIGINT"] as const) process.on(signal, stop);
  } catch (error) {
    logger.fatal({ err: error }, "worker startup failed");
    await runner?.stop().catch(() => undefined);
    await database?.close().catch(() => undefined);
    process.exit(1);
  }
}

void main();
