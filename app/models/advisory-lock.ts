import { sql, type Kysely, type Transaction } from "kysely";
import type { Database } from "./database.ts";

/** Application-wide advisory lock keys (one namespace per job, so jobs never block each other). */
export const advisoryLocks = { expiryPurge: 0x6c617373, actionLog: 0x616c6f67 } as const;

/**
 * Runs `work` in a transaction holding the advisory lock, or skips it (undefined) when another
 * instance holds it: periodic jobs run on one instance at a time, and the others do not wait.
 */
export async function withAdvisoryLock<T>(db: Kysely<Database>, key: number, work: (trx: Transaction<Database>) => Promise<T>): Promise<T | undefined> {
  return db.transaction().execute(async (trx) => {
    const { rows } = await sql<{ locked: boolean }>`select pg_try_advisory_xact_lock(${key}) as locked`.execute(trx);
    return rows[0]?.locked ? work(trx) : undefined;
  });
}
