import type pg from "pg";
import { combineVerdicts, createLimiter, type Limit, type LimitVerdict } from "./rate-limit.ts";
import type { Email } from "./user.ts";

/**
 * Sign-in throttling, per client address and per account. Each attempt is counted before the
 * password is checked, so parallel guesses cannot slip past the limit; a successful sign-in gives
 * its attempt back and clears the account's count.
 */
const PER_ACCOUNT: Limit = { attempts: 5, windowSecs: 15 * 60 };
const PER_IP: Limit = { attempts: 50, windowSecs: 15 * 60 };

export function createLoginThrottle(pool: pg.Pool) {
  const byIp = createLimiter(pool, "login_throttle", "ip", PER_IP);
  const byAccount = createLimiter(pool, "login_throttle", "account", PER_ACCOUNT);

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
