import { z } from "zod";
import type { OutgoingMail } from "./mail.ts";
import { emailSchema } from "./user.ts";

/**
 * The background jobs (graphile-worker tasks) and what each one carries. The task list in
 * server/jobs/tasks.ts must handle every name here; cron schedules the purges (server/jobs/crontab.ts).
 */
export interface JobPayloads {
  "mail.send": OutgoingMail;
  /** A password reset was asked for this address: the worker mails a link if it has an account (origin: where links lead). */
  "account.password_reset": PasswordResetRequest;
  "purge.sessions": Record<string, never>;
  "purge.rate_limits": Record<string, never>;
  "purge.audit": Record<string, never>;
  "purge.account_tokens": Record<string, never>;
  "purge.lab": Record<string, never>;
}

export const passwordResetRequestSchema = z.object({ email: emailSchema, origin: z.url() });
export type PasswordResetRequest = z.infer<typeof passwordResetRequestSchema>;
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

export const jobStateOf = (attempts: number, maxAttempts: number): JobState =>
  attempts >= maxAttempts ? "failed" : "retrying";
