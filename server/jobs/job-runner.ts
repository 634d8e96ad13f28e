import { EventEmitter } from "node:events";
import {
  Logger as WorkerLogger,
  run,
  runMigrations,
  type Runner,
  type TaskList,
  type WorkerEvents,
} from "graphile-worker";
import pg from "pg";
import { crontab } from "./crontab.ts";
import type { Logger } from "#server/logger.ts";
import { holdWorkerLiveness, unlockJobsOfDeadWorkers } from "./worker-liveness.ts";

/** How soon a job of a crashed worker is retried: at most GRACE + SWEEP seconds after it was locked, or its worker died. */
export const RECOVERY = { graceSecs: 5, sweepSecs: 5 } as const;

/**
 * graphile-worker's log lines, through our pino logger. Its metadata is left out: it carries whole
 * job rows, payloads (email addresses) included; the messages name the job, task and error.
 */
function workerLogger(logger: Logger): WorkerLogger {
  const log = logger.child({ component: "graphile-worker" });
  return new WorkerLogger(() => (level, message) => {
    if (level === "error") log.error(message);
    else if (level === "warning") log.warn(message);
    else if (level === "info") log.info(message);
    else log.debug(message);
  });
}

/** Serialises graphile-worker's migrations across processes (see migrateJobQueue). */
const JOB_QUEUE_MIGRATION_LOCK = 0x67776d67;

/**
 * Creates or updates graphile-worker's schema (`graphile_worker`). graphile-worker creates the
 * schema before taking any lock, so instances starting together on a new database would race on
 * CREATE SCHEMA: they take turns here under a session advisory lock, released with the connection.
 */
export async function migrateJobQueue(url: string, logger: Logger): Promise<void> {
  const lock = new pg.Client({ connectionString: url });
  lock.on("error", (error) => logger.warn({ err: error }, "job queue migration lock connection failed"));
  await lock.connect();
  try {
    await lock.query("select pg_advisory_lock($1)", [JOB_QUEUE_MIGRATION_LOCK]);
    await runMigrations({ connectionString: url, logger: workerLogger(logger) });
  } finally {
    await lock.end();
  }
}

export interface JobRunner {
  /** Finishes the jobs in flight (graphile-worker's graceful shutdown), then releases everything. */
  stop(): Promise<void>;
}

interface RunnerOptions {
  readonly url: string;
  readonly taskList: TaskList;
  readonly concurrency: number;
  readonly logger: Logger;
}

/** How long after losing its liveness connection a runner is started afresh (and between failed tries). */
const RESTART_DELAY_MS = 5_000;

/**
 * Runs the task list and the crontab. When the liveness connection drops (Postgres restarted, the
 * network cut), other workers may already be retrying this runner's jobs, so it stops taking any
 * and a fresh runner, with new worker ids, starts once the database answers again.
 */
export async function startJobRunner(options: RunnerOptions): Promise<JobRunner> {
  const { logger } = options;
  let current: JobRunner | undefined;
  let stopped = false;
  let restart: NodeJS.Timeout | undefined;
  const abandon = (runner: JobRunner) => {
    if (current === runner) current = undefined;
    runner
      .stop()
      .catch((error: unknown) => logger.warn({ err: error }, "the abandoned job runner did not stop cleanly"));
    scheduleRestart();
  };
  const launch = async (): Promise<void> => {
    let lost = false;
    let started = false;
    const runner = await startRunnerOnce(options, () => {
      lost = true;
      if (started) abandon(runner);
    });
    started = true;
    if (lost)
      abandon(runner); // lost while starting
    else if (stopped) await runner.stop();
    else current = runner;
  };
  const scheduleRestart = () => {
    if (stopped) return;
    restart = setTimeout(() => {
      launch().catch((error: unknown) => {
        logger.warn({ err: error }, "job runner could not start; trying again");
        scheduleRestart();
      });
    }, RESTART_DELAY_MS);
  };
  await launch();
  return {
    async stop() {
      stopped = true;
      clearTimeout(restart);
      await current?.stop();
    },
  };
}

/**
 * One graphile-worker runner: claims every worker's liveness, and sweeps for jobs of dead workers
 * at start and every RECOVERY.sweepSecs.
 */
async function startRunnerOnce(
  { url, taskList, concurrency, logger }: RunnerOptions,
  onLivenessLost: () => void,
): Promise<JobRunner> {
  const pool = new pg.Pool({ connectionString: url, max: concurrency + 2, application_name: "glassbox worker" });
  pool.on("error", (error) => logger.warn({ err: error }, "idle worker database connection failed"));
  pool.on("connect", (client) =>
    client.on("error", (error) => logger.warn({ err: error }, "worker database connection failed during a query")),
  );
  const claims = await holdWorkerLiveness({ url, logger, onLost: onLivenessLost }).catch(async (error: unknown) => {
    await pool.end();
    throw error;
  });
  const events: WorkerEvents = new EventEmitter();
  events.on("worker:create", ({ worker }) => claims.claim(worker.workerId));

  const sweep = async () => {
    try {
      const dead = await unlockJobsOfDeadWorkers(pool, RECOVERY.graceSecs);
      if (dead.length) logger.warn({ workers: dead }, "unlocked the jobs of crashed workers for a retry");
    } catch (error) {
      logger.warn({ err: error }, "crashed-worker sweep failed; trying again at the next one");
    }
  };
  let runner: Runner;
  try {
    runner = await run({
      pgPool: pool,
      concurrency,
      noHandleSignals: true,
      pollInterval: 1000,
      taskList,
      parsedCronItems: crontab,
      logger: workerLogger(logger),
      events,
    });
  } catch (error) {
    await claims.release().catch(() => undefined);
    await pool.end();
    throw error;
  }
  await sweep();
  const timer = setInterval(() => void sweep(), RECOVERY.sweepSecs * 1000);
  timer.unref();
  logger.info({ concurrency, tasks: Object.keys(taskList) }, "job worker started");
  let stopping: Promise<void> | undefined;
  return {
    stop: () =>
      (stopping ??= (async () => {
        clearInterval(timer);
        try {
          await runner.stop();
        } finally {
          await claims.release().catch(() => undefined);
          await pool.end();
        }
      })()),
  };
}
