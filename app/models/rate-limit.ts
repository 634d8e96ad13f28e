import { sql, type Kysely } from "kysely";
import type pg from "pg";
import { RateLimiterPostgres, RateLimiterRes } from "rate-limiter-flexible";
import type { Database } from "./database.server.ts";

/**
 * Fixed-window counters in Postgres through rate-limiter-flexible's RateLimiterPostgres: one atomic
 * upsert per attempt, shared by every instance. Tables are created by migrations (never at run time).
 */
export interface Limit {
  readonly attempts: number;
  readonly windowSecs: number;
}

export type LimitVerdict = { readonly allowed: true } | { readonly allowed: false; readonly retryAfterSecs: number };

/** A verdict and how many attempts the window holds now, this one included. */
export type Counted = LimitVerdict & { readonly used: number };

export const limiterTables = ["login_throttle", "chat_rate_windows", "rate_limits"] as const;
export type LimiterTable = (typeof limiterTables)[number];

export function createLimiter(pool: pg.Pool, table: LimiterTable, keyPrefix: string, limit: Limit) {
  const limiter = new RateLimiterPostgres({
    storeClient: pool,
    tableName: table,
    tableCreated: true,
    clearExpiredByTimeout: false,
    keyPrefix,
    points: limit.attempts,
    duration: limit.windowSecs,
  });
  return {
    /** Counts one attempt; refused (with the wait) once the window's attempts are used up. */
    async consume(key: string): Promise<Counted> {
      try {
        const counted = await limiter.consume(key);
        return { allowed: true, used: counted.consumedPoints };
      } catch (rejection) {
        // The library rejects with a RateLimiterRes when over the limit, with an Error when the store fails.
        if (!(rejection instanceof RateLimiterRes)) throw rejection;
        return {
          allowed: false,
          retryAfterSecs: Math.max(1, Math.ceil(rejection.msBeforeNext / 1000)),
          used: rejection.consumedPoints,
        };
      }
    },
    async giveBack(key: string): Promise<void> {
      await limiter.reward(key, 1);
    },
    async reset(key: string): Promise<void> {
      await limiter.delete(key);
    },
  };
}

/** The stricter of several verdicts: refused if any is, with the longest wait. */
export function combineVerdicts(verdicts: readonly LimitVerdict[]): LimitVerdict {
  const waits = verdicts.flatMap((verdict) => (verdict.allowed ? [] : [verdict.retryAfterSecs]));
  return waits.length ? { allowed: false, retryAfterSecs: Math.max(...waits) } : { allowed: true };
}

/** Removes counters whose window has ended; returns how many. */
export async function purgeExpiredWindows(db: Kysely<Database>, table: LimiterTable): Promise<number> {
  const result = await db
    .deleteFrom(table)
    .where("expire", "<", sql<string>`${Date.now()}`)
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
