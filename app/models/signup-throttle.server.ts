import type pg from "pg";
import { networkOf } from "./client-info.ts";
import { createLimiter, type Limit, type LimitVerdict } from "./rate-limit.ts";

/**
 * Sign-ups per client network (an IPv4 address, an IPv6 /64), counted in Postgres so every
 * instance shares the count. Each attempt that would create an account counts, taken or not: a
 * person makes a few accounts at most, a script makes hundreds (issue 17's probe: 120 in 6.6 s).
 */
export type SignupLimit = Limit;

export const defaultSignupLimit: SignupLimit = { attempts: 10, windowSecs: 60 * 60 };

export function createSignupThrottle(pool: pg.Pool, limit: SignupLimit) {
  const byNetwork = createLimiter(pool, "rate_limits", "signup", limit);
  return {
    attempt: (ip: string): Promise<LimitVerdict> => byNetwork.consume(networkOf(ip)),
  };
}

export type SignupThrottle = ReturnType<typeof createSignupThrottle>;
