import { EventEmitter } from "node:events";
import { Logger as WorkerLogger, run, runMigrations, type TaskList, type WorkerEvents } from "graphile-worker";
import pg from "pg";
import { crontab } from "./crontab.ts";
import type { Logger } from "./logger.ts";
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

/** Creates or updates graphile-worker's schema (`graphile_worker`); safe when several processes start at once. */
export async function migrateJobQueue(url: string, logger: Logger): Promise<void> {
  await runMigrations({ connectionString: url, logger: workerLogger(logger) });
}

export interface JobRunner {
  /** Finishes the jobs in flight (graphile-worker's graceful shutdown), then releases everything. */
  stop(): Promise<void>;
}

/**
 * Runs the task list and the crontab: claims every worker's liveness, and sweeps for jobs of dead
 * workers at start and every RECOVERY.sweepSecs.
 */
export async function startJobRunner(options: { url: string; taskList: TaskList; concurrency: number; logger: Logger; onLivenessLost: () => void }): Promise<JobRunner> {
  const { url, taskList, concurrency, logger } = options;
  const pool = new pg.Pool({ connectionString: url, max: concurrency + 2, application_name: "glassbox worker" });
  pool.on("error", (error) => logger.warn({ err: error }, "idle worker database connection failed"));
  const liveness = await holdWorkerLiveness({ url, logger, onLost: options.onLivenessLost });
  const events: WorkerEvents = new EventEmitter();
  events.on("worker:create", ({ worker }) => liveness.claim(worker.workerId));

  const sweep = async () => {
    try {
      const dead = await unlockJobsOfDeadWorkers(pool, RECOVERY.graceSecs);
      if (dead.length) logger.warn({ workers: dead }, "unlocked the jobs of crashed workers for a retry");
    } catch (error) {
      logger.warn({ err: error }, "crashed-worker sweep failed; trying again at the next one");
    }
  };
  const runner = await run({ pgPool: pool, concurrency, noHandleSignals: true, pollInterval: 1000, taskList, parsedCronItems: crontab, logger: workerLogger(logger), events });
  await sweep();
  const timer = setInterval(() => void sweep(), RECOVERY.sweepSecs * 1000);
  timer.unref();
  logger.info({ concurrency, tasks: Object.keys(taskList) }, "job worker started");
  return {
    async stop() {
      clearInterval(timer);
      await runner.stop();
      await liveness.release();
      await pool.end();
    },
  };
}
