import { sql, type Kysely } from "kysely";
import type pg from "pg";
import { RateLimiterPostgres, RateLimiterRes } from "rate-limiter-flexible";
import type { Database } from "./database.ts";
import type { Email } from "./user.ts";

/**
 * Sign-in throttling, per client address and per account, counted in Postgres by
 * rate-limiter-flexible so every instance shares the count. Each attempt is counted before the
 * password is checked (an atomic upsert), so parallel guesses cannot slip past the limit; a
 * successful sign-in gives its attempt back.
 */
export interface Limit {
  readonly attempts: number;
  readonly windowSecs: number;
}

export interface LoginLimits {
  readonly perAccount: Limit;
  readonly perIp: Limit;
}

export const defaultLoginLimits: LoginLimits = {
  perAccount: { attempts: 5, windowSecs: 15 * 60 },
  perIp: { attempts: 50, windowSecs: 15 * 60 },
};

export type ThrottleVerdict = { readonly allowed: true } | { readonly allowed: false; readonly retryAfterSecs: number };

/** The table db/migrations/0003 creates; the library writes to it, `purgeExpiredThrottles` prunes it. */
const TABLE = "login_throttle";

export function createLoginThrottle(pool: pg.Pool, limits: LoginLimits = defaultLoginLimits) {
  const limiter = (keyPrefix: string, limit: Limit) =>
    new RateLimiterPostgres({
      storeClient: pool,
      tableName: TABLE,
      tableCreated: true,
      clearExpiredByTimeout: false,
      keyPrefix,
      points: limit.attempts,
      duration: limit.windowSecs,
    });
  const byIp = limiter("ip", limits.perIp);
  const byAccount = limiter("account", limits.perAccount);

  return {
    async attempt(ip: string, email: Email): Promise<ThrottleVerdict> {
      const results = await Promise.allSettled([byIp.consume(ip), byAccount.consume(email)]);
      const refusals: RateLimiterRes[] = [];
      for (const result of results) {
        if (result.status === "fulfilled") continue;
        // The library rejects with a RateLimiterRes when over the limit, with an Error when the store fails.
        if (!(result.reason instanceof RateLimiterRes)) throw result.reason;
        refusals.push(result.reason);
      }
      if (refusals.length === 0) return { allowed: true };
      const waitMs = Math.max(...refusals.map((refusal) => refusal.msBeforeNext));
      return { allowed: false, retryAfterSecs: Math.max(1, Math.ceil(waitMs / 1000)) };
    },

    async succeeded(ip: string, email: Email): Promise<void> {
      await Promise.all([byAccount.delete(email), byIp.reward(ip, 1)]);
    },
  };
}

export type LoginThrottle = ReturnType<typeof createLoginThrottle>;

/** Removes counters whose window has ended; returns how many. */
export async function purgeExpiredThrottles(db: Kysely<Database>): Promise<number> {
  const result = await db.deleteFrom(TABLE).where("expire", "<", sql<string>`${Date.now()}`).executeTakeFirst();
  return Number(result.numDeletedRows);
}
