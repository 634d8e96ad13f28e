import type { MaintenanceService } from "../app/services/maintenance.ts";
import type { Logger } from "./logger.ts";

/**
 * Deletes expired sessions and sign-in throttle counters every SESSION_CLEANUP_INTERVAL_SECS.
 * Every instance schedules it; an advisory lock lets one of them do the work each time.
 */
export function scheduleExpiryPurge(options: { intervalSecs: number; maintenance: MaintenanceService; logger: Logger }): { stop(): void } {
  const { intervalSecs, maintenance, logger } = options;
  let running = false;
  const timer = setInterval(() => {
    if (running) return; // a slow purge is never stacked on itself
    running = true;
    maintenance
      .purgeExpired()
      .then((outcome) => {
        if (outcome.ran) logger.info({ sessions: outcome.sessions, throttles: outcome.throttles }, "expired rows purged");
        else logger.debug("expired-row purge skipped: another instance holds the lock");
      })
      .catch((error: unknown) => logger.warn({ err: error }, "expired-row purge failed; retrying at the next interval"))
      .finally(() => (running = false));
  }, intervalSecs * 1000);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
