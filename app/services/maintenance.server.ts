import type { Kysely } from "kysely";
import { purgeAuditOlderThan } from "#app/models/audit-repository.server.ts";
import { purgeLabLeftovers } from "#app/models/lab-repository.server.ts";
import type { Database } from "#app/models/database.server.ts";
import { limiterTables, purgeExpiredWindows } from "#app/models/rate-limit.ts";
import { createAccountTokenRepository } from "#app/models/account-token-repository.server.ts";
import { createJobRepository } from "#app/models/job-repository.server.ts";
import { createSessionRepository } from "#app/models/session-repository.server.ts";

const DAY_MS = 86_400_000;

/**
 * Housekeeping, run as jobs: the session purge every SESSION_CLEANUP_INTERVAL_SECS (a job that
 * schedules its successor), the rest as cron jobs (server/jobs/crontab.ts). graphile-worker runs each
 * scheduled run once across every worker; each purge is a single idempotent delete, so a retry after
 * a crash is harmless.
 */
export function createMaintenanceService(
  db: Kysely<Database>,
  settings: { auditRetentionDays: number; sessionCleanupIntervalSecs?: number },
) {
  return {
    /**
     * Schedules the next session purge SESSION_CLEANUP_INTERVAL_SECS from now, unless one is already
     * waiting: every worker calls it at start, and the purge job itself before it purges.
     */
    scheduleSessionPurge: (): Promise<void> =>
      createJobRepository(db).scheduleRecurring("purge.sessions", settings.sessionCleanupIntervalSecs ?? 3600),

    /** Deletes sessions past their idle or absolute expiry; returns how many. */
    purgeSessions: (): Promise<number> => createSessionRepository(db).purgeExpired(),

    /** Deletes expired rate-limit windows (every limiter table); returns how many. */
    async purgeRateLimits(): Promise<number> {
      let purged = 0;
      for (const table of limiterTables) purged += await purgeExpiredWindows(db, table);
      return purged;
    },

    /** Deletes the lab's leftovers (docs/decisions/0024): idle command state and trace batches no instance took; returns how many. */
    purgeLab: (): Promise<number> => purgeLabLeftovers(db),

    /** Deletes reset and verification links that expired or were used over a day ago; returns how many. */
    purgeAccountTokens: (): Promise<number> => createAccountTokenRepository(db).purge(),

    /** Deletes audit entries older than AUDIT_RETENTION_DAYS (relative to `now`); returns how many. */
    purgeAudit: (now = new Date()): Promise<number> =>
      purgeAuditOlderThan(db, new Date(now.getTime() - settings.auditRetentionDays * DAY_MS)),
  };
}

export type MaintenanceService = ReturnType<typeof createMaintenanceService>;
