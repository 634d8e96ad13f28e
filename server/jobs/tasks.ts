import type { Task, TaskList } from "graphile-worker";
import type { JobName } from "#app/models/job.ts";
import { passwordResetRequestSchema } from "#app/models/job.ts";
import { createPasswordResetMailer } from "#app/services/account-recovery.server.ts";
import type { MailSettings } from "#app/services/index.server.ts";
import { createMailOutbox, createMailService, type MailService } from "#app/services/mail.server.ts";
import { createMaintenanceService, type MaintenanceService } from "#app/services/maintenance.server.ts";
import type { Config } from "#server/config.ts";
import type { DatabaseRuntime } from "#server/database/database.ts";
import { startJobRunner, type JobRunner } from "./job-runner.ts";
import type { Logger } from "#server/logger.ts";

/**
 * The worker's task list: adapters from graphile-worker's jobs to the use cases. A task that
 * throws is retried by graphile-worker with exponential backoff until the job's max_attempts.
 */
export interface TaskDeps {
  readonly mail: MailService;
  readonly maintenance: MaintenanceService;
  readonly passwordResets: ReturnType<typeof createPasswordResetMailer>;
  readonly logger: Logger;
}

export function createTaskList({ mail, maintenance, passwordResets, logger }: TaskDeps): TaskList {
  const purge =
    (name: string, run: () => Promise<number>): Task =>
    async () => {
      logger.info({ purge: name, deleted: await run() }, "expired rows purged");
    };
  const tasks: Record<JobName, Task> = {
    "mail.send": async (payload, helpers) => {
      await mail.deliver(payload);
      logger.info({ job: helpers.job.id, attempt: helpers.job.attempts }, "mail delivered");
    },
    "account.password_reset": async (payload) => {
      // The log says whether a link went out; never the address (it may have no account).
      const sent = await passwordResets.send(passwordResetRequestSchema.parse(payload));
      logger.info({ sent }, "password reset request handled");
    },
    // Every SESSION_CLEANUP_INTERVAL_SECS: the run schedules the next one first, so a failure skips one run, never the rest.
    "purge.sessions": purge(
      "sessions",
      async () => (await maintenance.scheduleSessionPurge(), maintenance.purgeSessions()),
    ),
    "purge.account_tokens": purge("account links", maintenance.purgeAccountTokens),
    "purge.rate_limits": purge("rate limits", maintenance.purgeRateLimits),
    "purge.lab": purge("lab leftovers", maintenance.purgeLab),
    "purge.audit": purge("audit", () => maintenance.purgeAudit()),
  };
  return tasks;
}

/** The worker as both entries run it: `npm run worker`, and the web process on the embedded database. */
export async function runJobs({
  config,
  database,
  mail,
  logger,
}: {
  config: Config;
  database: DatabaseRuntime;
  mail: MailSettings;
  logger: Logger;
}): Promise<JobRunner> {
  const maintenance = createMaintenanceService(database.db, config);
  const taskList = createTaskList({
    mail: createMailService({ db: database.db, ...mail }),
    maintenance,
    passwordResets: createPasswordResetMailer({ db: database.db, outbox: createMailOutbox(mail) }),
    logger,
  });
  const runner = await startJobRunner({ url: database.url, taskList, concurrency: config.workerConcurrency, logger });
  await maintenance.scheduleSessionPurge();
  return runner;
}
