import { randomBytes } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { RequestHandler } from "express";
import type { Kysely } from "kysely";
import { ACTION_LOG_CHANNEL } from "#app/models/action-log.ts";
import { CHAT_CHANNEL } from "#app/models/chat-repository.server.ts";
import { instanceChannel, instanceIdSchema, LAB_TABS_CHANNEL } from "#app/models/lab-relay.ts";
import { SESSION_CHANNEL } from "#app/models/session-events.ts";
import { createTracer, type Tracer } from "#app/services/trace.server.ts";
import { migrateToLatest } from "../db/migrate.ts";
import type * as AppModule from "./app.ts";
import type { App, AppRuntime } from "./app.ts";
import { parseConfig, runsJobsInline, type Config } from "./config.ts";
import { openDatabase, type DatabaseRuntime } from "./database/database.ts";
import { builtAssets, createHttpApp } from "./http/http.ts";
import { withoutForeignExitHandlers } from "./exit-handlers.ts";
import { answerClientError } from "./http/problems.ts";
import { createLogger, type Logger } from "./logger.ts";
import { migrateJobQueue } from "./jobs/job-runner.ts";
import { mailSettings } from "./jobs/mail-settings.ts";
import { startPgListener } from "./database/pg-listener.ts";
import { resolveSessionSecrets } from "./session-secret.ts";
import { installGracefulShutdown } from "./shutdown.ts";
import { runJobs } from "./jobs/tasks.ts";

/**
 * The entry point: configuration, database, migrations, jobs (in-process on the embedded database), HTTP, shutdown. `npm run dev` runs it with
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
    const tracer = createTracer();
    let origin = "";
    database = await openDatabase(config, logger, tracer.sql);
    const applied = await migrateToLatest(database.db as Kysely<unknown>);
    if (applied.length) logger.info({ applied }, "database migrated");
    await migrateJobQueue(database.url, logger);
    const mail = mailSettings(config, logger);
    // Random per process: what other instances address to this one (docs/decisions/0024).
    const instance = instanceIdSchema.parse(randomBytes(6).toString("hex"));
    const channels = [CHAT_CHANNEL, ACTION_LOG_CHANNEL, SESSION_CHANNEL, LAB_TABS_CHANNEL, instanceChannel(instance)];
    const listener = startPgListener({ url: database.url, channels, logger });
    const runtime: AppRuntime = {
      db: database.db,
      readDb: database.readDb,
      pool: database.pool,
      changes: listener.feed(CHAT_CHANNEL),
      actionLogChanges: listener.feed(ACTION_LOG_CHANNEL),
      sessionChanges: listener.feed(SESSION_CHANNEL),
      instance,
      labInstanceChanges: listener.feed(instanceChannel(instance)),
      labTabChanges: listener.feed(LAB_TABS_CHANNEL),
      tracer,
      selfOrigin: () => origin,
      logger,
      environment: config.environment,
      sessionSecrets: await resolveSessionSecrets(config, logger),
      adminEmails: config.adminEmails,
      totpPendingSecs: config.totpPendingSecs,
      oauth: { github: config.github, google: config.google },
      publicOrigin: () => config.publicUrl ?? origin,
      mail,
      streamCaps: config.streamCaps,
      signupLimit: config.signupLimit,
    };
    const handlers = viteDevServer ? await devApp(runtime) : await builtApp(runtime);
    // With DATABASE_URL, `npm run worker` runs the jobs; on the embedded database only this process can.
    const jobs = runsJobsInline(config) ? await runJobs({ config, database, mail, logger }) : undefined;
    const { close } = database;
    origin = await serve(config, logger, tracer, handlers, async () => {
      await jobs?.stop();
      mail.close();
      await listener.stop();
      await close();
    });
  } catch (error) {
    logger.fatal({ err: error }, "startup failed");
    await database?.close().catch(() => undefined);
    process.exit(1);
  }
}

interface Handlers {
  readonly assets: RequestHandler;
  readonly longLived: (path: string) => boolean;
  readonly app: RequestHandler;
  readonly endStreams: () => void;
}

async function serve(
  config: Config,
  logger: Logger,
  tracer: Tracer,
  { assets, longLived, app, endStreams }: Handlers,
  release: () => Promise<void>,
) {
  const server = createServer();
  const shutdown = installGracefulShutdown({ server, logger, release, endStreams });
  const http = createHttpApp({
    logger,
    tracer,
    production: config.environment === "production",
    showErrorDetails: config.environment === "development",
    limits: config.limits,
    corsAllowedOrigins: config.corsAllowedOrigins,
    viteDevServer,
    trustProxy: config.trustProxy,
    // Chromium applies form-action to the redirect after a form post: "Continue with GitHub/Google" posts here, then goes there.
    formActionOrigins: [config.github, config.google].flatMap((provider) =>
      provider ? [new URL(provider.authorizeUrl).origin] : [],
    ),
    longLived,
    assets,
    app,
    draining: shutdown.draining,
    compression: config.compression,
  });
  server.on("request", http);
  // Node's own limits cover what Express never sees: headers or a body that arrive too slowly.
  server.requestTimeout = config.limits.requestTimeoutMs;
  server.headersTimeout = Math.min(config.limits.requestTimeoutMs, 60_000);
  server.on("clientError", answerClientError);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(config.port, config.host, resolve);
  });
  const { address, port } = server.address() as AddressInfo;
  const host = address.includes(":") ? `[${address}]` : address;
  logger.info({ url: `http://${host}:${port}`, environment: config.environment }, "glassbox is listening");
  // Requests to itself go to loopback when it listens on every interface.
  return `http://${address === "0.0.0.0" || address === "::" ? "127.0.0.1" : host}:${port}`;
}

/** Production: the Vite-built bundle (server/app.ts + the routes) and its client assets. */
async function builtApp(runtime: AppRuntime): Promise<Handlers> {
  const bundle = new URL("./server/index.js", import.meta.url).href;
  const { createApp } = (await import(bundle)) as typeof AppModule;
  const app = createApp(runtime);
  return {
    assets: builtAssets(new URL("./client", import.meta.url).pathname),
    longLived: app.longLived,
    app: app.handler,
    endStreams: app.close,
  };
}

/** Development: Vite serves the client with HMR and reloads server/app.ts when its graph changes. */
async function devApp(runtime: AppRuntime): Promise<Handlers> {
  const { createServer: createViteServer } = await import("vite");
  const vite = await withoutForeignExitHandlers(() => createViteServer({ server: { middlewareMode: true } }));
  let current: { module: object; app: App } | undefined;
  const latest = async (): Promise<App> => {
    const module = await vite.ssrLoadModule("./server/app.ts");
    if (current?.module !== module) {
      // An edit reloaded the app: the old one's streams end (browsers reconnect to the new one).
      current?.app.close();
      current = { module, app: (module as typeof AppModule).createApp(runtime) };
    }
    return current.app;
  };
  const app: RequestHandler = (req, res, next) =>
    void latest().then((latestApp) => latestApp.handler(req, res, next), next);
  // Until the first request has loaded the app, no path is known to stay open.
  const longLived = (path: string) => current?.app.longLived(path) ?? false;
  return {
    assets: vite.middlewares as unknown as RequestHandler,
    longLived,
    app,
    endStreams: () => current?.app.close(),
  };
}

void main();
