import type { Task, TaskList } from "graphile-worker";
import type { JobName } from "../app/models/job.ts";
import type { MailSettings } from "../app/services/index.ts";
import { createMailService, type MailService } from "../app/services/mail.ts";
import { createMaintenanceService, type MaintenanceService } from "../app/services/maintenance.ts";
import type { Config } from "./config.ts";
import type { DatabaseRuntime } from "./database.ts";
import { startJobRunner, type JobRunner } from "./job-runner.ts";
import type { Logger } from "./logger.ts";

/**
 * The worker's task list: adapters from graphile-worker's jobs to the use cases. A task that
 * throws is retried by graphile-worker with exponential backoff until the job's max_attempts.
 */
export function createTaskList({ mail, maintenance, logger }: { mail: MailService; maintenance: MaintenanceService; logger: Logger }): TaskList {
  const purge = (name: string, run: () => Promise<number>): Task => async () => {
    logger.info({ purge: name, deleted: await run() }, "expired rows purged");
  };
  const tasks: Record<JobName, Task> = {
    "mail.send": async (payload, helpers) => {
      await mail.deliver(payload);
      logger.info({ job: helpers.job.id, attempt: helpers.job.attempts }, "mail delivered");
    },
    "purge.sessions": purge("sessions", maintenance.purgeSessions),
    "purge.rate_limits": purge("rate limits", maintenance.purgeRateLimits),
    "purge.audit": purge("audit", () => maintenance.purgeAudit()),
  };
  return tasks;
}

/** The worker as both entries run it: `npm run worker`, and the web process on the embedded database. */
export function runJobs({ config, database, mail, logger }: { config: Config; database: DatabaseRuntime; mail: MailSettings; logger: Logger }): Promise<JobRunner> {
  const taskList = createTaskList({
    mail: createMailService({ db: database.db, ...mail }),
    maintenance: createMaintenanceService(database.db, config),
    logger,
  });
  return startJobRunner({ url: database.url, taskList, concurrency: config.workerConcurrency, logger });
}
