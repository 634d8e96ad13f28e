import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { RequestHandler } from "express";
import type { Kysely } from "kysely";
import { createMaintenanceService } from "../app/services/maintenance.ts";
import { migrateToLatest } from "../db/migrate.ts";
import type * as AppModule from "./app.ts";
import type { App, AppRuntime } from "./app.ts";
import { parseConfig, type Config } from "./config.ts";
import { openDatabase, type DatabaseRuntime } from "./database.ts";
import { builtAssets, createHttpApp } from "./http.ts";
import { withoutForeignExitHandlers } from "./exit-handlers.ts";
import { createLogger, type Logger } from "./logger.ts";
import { scheduleExpiryPurge } from "./expiry-purge.ts";
import { resolveSessionSecrets } from "./session-secret.ts";
import { installGracefulShutdown } from "./shutdown.ts";

/**
 * The entry point: configuration, database, migrations, HTTP, shutdown. `npm run dev` runs it with
 * `--dev` (Vite in middleware mode, HMR); `npm start` runs the bundled build/main.js.
 */
const viteDevServer = process.argv.includes("--dev");

async function main(): Promise<void> {
  const parsed = parseConfig(process.env);
  if (!parsed.ok) {
    const lines = parsed.problems.map((problem) => `  - ${problem}`).join("\n");
    process.stderr.write(`glassbox cannot start, the configuration is invalid:\n${lines}\n`);
    process.exit(1);
  }
  const config = parsed.config;
  const logger = createLogger(config.logFormat, config.logLevel);
  process.on("uncaughtException", (error) => {
    logger.fatal({ err: error }, "uncaught exception");
    process.exit(1);
  });

  let database: DatabaseRuntime | undefined;
  try {
    database = await openDatabase(config, logger);
    const applied = await migrateToLatest(database.db as Kysely<unknown>);
    if (applied.length) logger.info({ applied }, "database migrated");
    const runtime: AppRuntime = {
      db: database.db,
      pool: database.pool,
      environment: config.environment,
      sessionSecrets: await resolveSessionSecrets(config, logger),
      adminEmails: config.adminEmails,
    };
    const { assets, app } = viteDevServer ? await devApp(runtime) : await builtApp(runtime);
    const purge = scheduleExpiryPurge({
      intervalSecs: config.sessionCleanupIntervalSecs,
      maintenance: createMaintenanceService(database.db),
      logger,
    });
    const { close } = database;
    await serve(config, logger, assets, app, async () => {
      purge.stop();
      await close();
    });
  } catch (error) {
    logger.fatal({ err: error }, "startup failed");
    await database?.close().catch(() => undefined);
    process.exit(1);
  }
}

async function serve(config: Config, logger: Logger, assets: RequestHandler, app: RequestHandler, release: () => Promise<void>) {
  const server = createServer();
  const shutdown = installGracefulShutdown({ server, logger, release });
  const http = createHttpApp({
    logger,
    production: config.environment === "production",
    viteDevServer,
    trustProxy: config.trustProxy,
    assets,
    app,
    draining: shutdown.draining,
  });
  server.on("request", http);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(config.port, config.host, resolve);
  });
  const { address, port } = server.address() as AddressInfo;
  const host = address.includes(":") ? `[${address}]` : address;
  logger.info({ url: `http://${host}:${port}`, environment: config.environment }, "glassbox is listening");
}

/** Production: the Vite-built bundle (server/app.ts + the routes) and its client assets. */
async function builtApp(runtime: AppRuntime) {
  const bundle = new URL("./server/index.js", import.meta.url).href;
  const { createApp } = (await import(bundle)) as typeof AppModule;
  return { assets: builtAssets(new URL("./client", import.meta.url).pathname), app: createApp(runtime).handler };
}

/** Development: Vite serves the client with HMR and reloads server/app.ts when its graph changes. */
async function devApp(runtime: AppRuntime) {
  const { createServer: createViteServer } = await import("vite");
  const vite = await withoutForeignExitHandlers(() => createViteServer({ server: { middlewareMode: true } }));
  const apps = new WeakMap<object, App>();
  const app: RequestHandler = (req, res, next) => {
    vite
      .ssrLoadModule("./server/app.ts")
      .then((module) => {
        const { createApp } = module as typeof AppModule;
        const current = apps.get(module) ?? createApp(runtime);
        apps.set(module, current);
        current.handler(req, res, next);
      })
      .catch(next);
  };
  return { assets: vite.middlewares as unknown as RequestHandler, app };
}

void main();
