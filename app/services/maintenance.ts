import type { Kysely } from "kysely";
import { advisoryLocks, withAdvisoryLock } from "../models/advisory-lock.ts";
import type { Database } from "../models/database.ts";
import { purgeExpiredWindows } from "../models/rate-limit.ts";
import { createSessionRepository } from "../models/session-repository.ts";

export type PurgeOutcome = { readonly ran: true; readonly sessions: number; readonly throttles: number } | { readonly ran: false };

/** Housekeeping the server schedules every SESSION_CLEANUP_INTERVAL_SECS. */
export function createMaintenanceService(db: Kysely<Database>) {
  return {
    /** Deletes expired sessions and rate-limit counters (sign-in and chat); skipped while another instance is doing it. */
    async purgeExpired(): Promise<PurgeOutcome> {
      const counts = await withAdvisoryLock(db, advisoryLocks.expiryPurge, async (trx) => ({
        sessions: await createSessionRepository(trx).purgeExpired(),
        throttles: (await purgeExpiredWindows(trx, "login_throttle")) + (await purgeExpiredWindows(trx, "chat_rate_windows")),
      }));
      return counts ? { ran: true, ...counts } : { ran: false };
    },
  };
}

export type MaintenanceService = ReturnType<typeof createMaintenanceService>;
