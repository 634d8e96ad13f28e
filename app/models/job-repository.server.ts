import { sql, type Kysely } from "kysely";
import type { Database } from "./database.server.ts";
import { jobStateOf, type JobName, type JobPayloads, type TroubledJob } from "./job.ts";

/** graphile-worker's public view of its queue (schema `graphile_worker`, owned by graphile-worker's migrations). */
interface GraphileJobsView {
  id: string;
  task_identifier: string;
  attempts: number;
  max_attempts: number;
  last_error: string | null;
  run_at: Date;
  locked_at: Date | null;
  created_at: Date;
}

/**
 * The job queue as SQL: jobs are added with graphile-worker's `add_job` function, so a job commits
 * or rolls back with the transaction that asked for it (a welcome mail exists only if the account does).
 */
export function createJobRepository(db: Kysely<Database>) {
  const jobs = db.withTables<{ "graphile_worker.jobs": GraphileJobsView }>();
  return {
    async add<Name extends JobName>(
      name: Name,
      payload: JobPayloads[Name],
      options: { maxAttempts: number },
    ): Promise<void> {
      await sql`select graphile_worker.add_job(${name}, payload := ${JSON.stringify(payload)}::json, max_attempts := ${options.maxAttempts})`.execute(
        db,
      );
    },

    /**
     * The next run of a job that schedules itself every `inSecs` (the session purge): one queued job
     * per name (graphile-worker's job key). Added while that job runs, it makes the next one; added
     * while the next one waits, it keeps the earlier time, so every instance may call it at start.
     * The run that schedules its successor is not retried: a failed purge waits for the next run.
     */
    async scheduleRecurring(name: JobName, inSecs: number): Promise<void> {
      await sql`select graphile_worker.add_job(${name}, payload := '{}'::json, run_at := now() + ${`${inSecs} seconds`}::interval, max_attempts := 1, job_key := ${name}, job_key_mode := 'preserve_run_at')`.execute(
        db,
      );
    },

    /** Jobs that failed at least once: retrying ones and those given up on, most recently touched first. */
    async troubled(limit: number): Promise<TroubledJob[]> {
      const rows = await jobs
        .selectFrom("graphile_worker.jobs")
        .select([
          "id",
          "task_identifier",
          "attempts",
          "max_attempts",
          "last_error",
          "run_at",
          "locked_at",
          "created_at",
        ])
        .where("last_error", "is not", null)
        .orderBy("run_at", "desc")
        .limit(limit)
        .execute();
      return rows.map((row) => ({
        id: String(row.id),
        task: row.task_identifier,
        state: jobStateOf(row.attempts, row.max_attempts),
        attempts: row.attempts,
        maxAttempts: row.max_attempts,
        lastError: row.last_error,
        runAt: row.run_at,
        lockedAt: row.locked_at,
        createdAt: row.created_at,
      }));
    },
  };
}
