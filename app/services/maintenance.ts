import type { Kysely } from "kysely";
import { advisoryLocks, withAdvisoryLock } from "../models/advisory-lock.ts";
import type { Database } from "../models/database.ts";
import { purgeExpiredThrottles } from "../models/login-throttle.ts";
import { createSessionRepository } from "../models/session-repository.ts";

export type PurgeOutcome = { readonly ran: true; readonly sessions: number; readonly throttles: number } | { readonly ran: false };

/** Housekeeping the server schedules every SESSION_CLEANUP_INTERVAL_SECS. */
export function createMaintenanceService(db: Kysely<Database>) {
  return {
    /** Deletes expired sessions and throttle counters; skipped while another instance is doing it. */
    async purgeExpired(): Promise<PurgeOutcome> {
      const counts = await withAdvisoryLock(db, advisoryLocks.expiryPurge, async (trx) => ({
        sessions: await createSessionRepository(trx).purgeExpired(),
        throttles: await purgeExpiredThrottles(trx),
      }));
      return counts ? { ran: true, ...counts } : { ran: false };
    },
  };
}

export type MaintenanceService = ReturnType<typeof createMaintenanceService>;
