import pg from "pg";
import type { Logger } from "#server/logger.ts";

/**
 * Crashed-worker recovery. graphile-worker 0.16 has no heartbeat: a job locked by a worker that died
 * stays locked for 4 hours (`get_job`'s job_expiry) unless someone calls `force_unlock_workers` for
 * that worker. Postgres knows which workers are alive for us: each worker process holds one
 * connection with a session advisory lock per worker id it runs, and Postgres drops those locks the
 * moment that connection ends (a killed process's socket closes). A job whose worker's lock can be
 * taken has a dead worker, and is unlocked for a retry (docs/decisions/0012).
 */
const LIVENESS_LOCKS = 0x676c6a62; // advisory lock namespace: one key per worker id, hashtext(worker id)

export interface WorkerLiveness {
  /** Holds the lock that says this worker id is alive (call when graphile-worker creates a worker). */
  claim(workerId: string): void;
  /** Ends the connection and so every claim (after the runner stopped: its jobs are released by then). */
  release(): Promise<void>;
}

/** `onLost`: the connection dropped, so others may now take this runner's jobs: it must stop running them. */
export async function holdWorkerLiveness({
  url,
  logger,
  onLost,
}: {
  url: string;
  logger: Logger;
  onLost: () => void;
}): Promise<WorkerLiveness> {
  const client = new pg.Client({ connectionString: url, application_name: "glassbox worker liveness" });
  let released = false;
  const lost = (error?: Error) => {
    if (released) return;
    released = true;
    logger.error(
      { err: error },
      "worker liveness connection lost: its jobs may be retried elsewhere, so this runner stops and a new one starts",
    );
    onLost();
  };
  client.on("error", lost);
  client.on("end", () => lost());
  await client.connect();
  let claims = Promise.resolve(); // one statement at a time on the connection
  return {
    claim(workerId) {
      claims = claims
        .then(
          async () =>
            void (await client.query("select pg_advisory_lock($1, hashtext($2))", [LIVENESS_LOCKS, workerId])),
        )
        .catch((error: unknown) => lost(error as Error));
    },
    async release() {
      released = true;
      await claims;
      await client.end();
    },
  };
}

/**
 * Unlocks the jobs of dead workers in one statement: a worker is dead when its liveness lock is free.
 * Jobs locked less than `graceSecs` ago are left alone: a new worker may lock its first job a moment
 * before its claim reaches the database.
 */
export async function unlockJobsOfDeadWorkers(pool: pg.Pool, graceSecs: number): Promise<string[]> {
  const { rows } = await pool.query<{ dead: string[] | null }>(
    `with dead as (
       select distinct locked_by as id from graphile_worker.jobs
       where locked_by is not null and locked_at < now() - make_interval(secs => $2)
         and pg_try_advisory_xact_lock($1, hashtext(locked_by))
     )
     select array_agg(id) as dead, graphile_worker.force_unlock_workers(coalesce(array_agg(id), '{}')) from dead`,
    [LIVENESS_LOCKS, graceSecs],
  );
  return rows[0]?.dead ?? [];
}
