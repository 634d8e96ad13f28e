import type { OutgoingMail } from "./mail.ts";

/**
 * The background jobs (graphile-worker tasks) and what each one carries. The task list in
 * server/tasks.ts must handle every name here; cron schedules the purges (server/crontab.ts).
 */
export interface JobPayloads {
  "mail.send": OutgoingMail;
  "purge.sessions": Record<string, never>;
  "purge.rate_limits": Record<string, never>;
  "purge.audit": Record<string, never>;
}
export type JobName = keyof JobPayloads;

/** A job that needs attention: retrying after a failure, or given up on. */
export type JobState = "retrying" | "failed";

export interface TroubledJob {
  readonly id: string;
  readonly task: string;
  readonly state: JobState;
  readonly attempts: number;
  readonly maxAttempts: number;
  readonly lastError: string | null;
  /** When the next attempt is due (meaningless once failed). */
  readonly runAt: Date;
  /** Set while a worker holds it (a retry in progress). */
  readonly lockedAt: Date | null;
  readonly createdAt: Date;
}

export const jobStateOf = (attempts: number, maxAttempts: number): JobState => (attempts >= maxAttempts ? "failed" : "retrying");
