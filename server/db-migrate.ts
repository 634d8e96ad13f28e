import type { Kysely } from "kysely";
import { migrateToLatest } from "../db/migrate.ts";
import { parseConfig } from "./config.ts";
import { openDatabase } from "./database/database.ts";
import { createLogger } from "./logger.ts";

/** `npm run db:migrate`: the migrations `npm start` applies, on their own (embedded or DATABASE_URL). */
const parsed = parseConfig(process.env);
if (!parsed.ok) {
  process.stderr.write(`db:migrate: invalid configuration:\n${parsed.problems.map((p) => `  - ${p}`).join("\n")}\n`);
  process.exit(1);
}
const logger = createLogger(parsed.config.logFormat, parsed.config.logLevel);
const database = await openDatabase(parsed.config, logger);
try {
  const applied = await migrateToLatest(database.db as Kysely<unknown>);
  logger.info({ applied }, applied.length ? "migrations applied" : "the database is up to date");
} catch (error) {
  logger.fatal({ err: error }, "migration failed");
  process.exitCode = 1;
} finally {
  await database.close();
}
