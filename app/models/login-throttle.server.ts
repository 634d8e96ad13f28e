import type pg from "pg";
import { createAccountLockout, type AttemptSource } from "./account-lockout.ts";
import { combineVerdicts, createLimiter, type Limit, type LimitVerdict } from "./rate-limit.ts";
import type { Email } from "./user.ts";

/**
 * Sign-in throttling: per client network (a password spray across accounts), and per account in
 * the way strangers cannot use to lock the owner out (./account-lockout.ts). Each attempt is
 * counted before the password is checked, so parallel guesses cannot slip past the limit; a
 * successful sign-in gives its attempt back and clears its source's count.
 */
const PER_ACCOUNT: Limit = { attempts: 5, windowSecs: 15 * 60 };
const PER_ACCOUNT_CEILING: Limit = { attempts: 20, windowSecs: 15 * 60 };
const PER_NETWORK: Limit = { attempts: 50, windowSecs: 15 * 60 };

export function createLoginThrottle(pool: pg.Pool) {
  const byNetwork = createLimiter(pool, "login_throttle", "ip", PER_NETWORK);
  const byAccount = createAccountLockout(pool, "account", { limit: PER_ACCOUNT, ceiling: PER_ACCOUNT_CEILING });

  return {
    async attempt(email: Email, source: AttemptSource): Promise<LimitVerdict> {
      return combineVerdicts(await Promise.all([byNetwork.consume(source.network), byAccount.attempt(email, source)]));
    },

    async succeeded(email: Email, source: AttemptSource): Promise<void> {
      await Promise.all([byAccount.succeeded(email, source), byNetwork.giveBack(source.network)]);
    },
  };
}

export type LoginThrottle = ReturnType<typeof createLoginThrottle>;
