import type pg from "pg";
import { combineVerdicts, createLimiter, type Limit, type LimitVerdict } from "./rate-limit.ts";
import type { Email } from "./user.ts";

/**
 * Sign-in throttling, per client address and per account. Each attempt is counted before the
 * password is checked, so parallel guesses cannot slip past the limit; a successful sign-in gives
 * its attempt back and clears the account's count.
 */
export interface LoginLimits {
  readonly perAccount: Limit;
  readonly perIp: Limit;
}

export const defaultLoginLimits: LoginLimits = {
  perAccount: { attempts: 5, windowSecs: 15 * 60 },
  perIp: { attempts: 50, windowSecs: 15 * 60 },
};

export function createLoginThrottle(pool: pg.Pool, limits: LoginLimits = defaultLoginLimits) {
  const byIp = createLimiter(pool, "login_throttle", "ip", limits.perIp);
  const byAccount = createLimiter(pool, "login_throttle", "account", limits.perAccount);

  return {
    async attempt(ip: string, email: Email): Promise<LimitVerdict> {
      return combineVerdicts(await Promise.all([byIp.consume(ip), byAccount.consume(email)]));
    },

    async succeeded(ip: string, email: Email): Promise<void> {
      await Promise.all([byAccount.reset(email), byIp.giveBack(ip)]);
    },
  };
}

export type LoginThrottle = ReturnType<typeof createLoginThrottle>;
