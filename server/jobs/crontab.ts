import { parseCronItems, type ParsedCronItem } from "graphile-worker";
import type { JobName } from "#app/models/job.ts";

/**
 * The housekeeping schedule (UTC). graphile-worker's cron records each item's last run in
 * `graphile_worker._private_known_crontabs` and schedules a tick only if it advances that row, so
 * with any number of workers each tick becomes exactly one job. No backfill: a purge missed while
 * no worker ran is simply done at the next tick.
 */
const schedule: { task: JobName; match: string }[] = [
  // purge.sessions is not here: it runs every SESSION_CLEANUP_INTERVAL_SECS (app/services/maintenance.server.ts).
  { task: "purge.rate_limits", match: "17 * * * *" }, // hourly
  { task: "purge.account_tokens", match: "37 * * * *" }, // hourly
  { task: "purge.lab", match: "47 * * * *" }, // hourly
  { task: "purge.audit", match: "27 3 * * *" }, // daily at 03:27
];

export const crontab: ParsedCronItem[] = parseCronItems(
  schedule.map(({ task, match }) => ({
    task,
    match,
    identifier: task,
    options: { backfillPeriod: 0, maxAttempts: 3 },
  })),
);
