import type pg from "pg";
import { networkOf } from "./client-info.ts";
import { combineVerdicts, createLimiter, type Limit, type LimitVerdict } from "./rate-limit.ts";
import type { Email, UserId } from "./user.ts";

/**
 * Limits on the mails a visitor can make the site send (Postgres-backed, shared by every instance,
 * in `rate_limits` under their own prefixes). A reset request counts per client network and per
 * address whether or not the address has an account, so the limit itself tells nothing.
 */
const RESETS_PER_NETWORK: Limit = { attempts: 10, windowSecs: 60 * 60 };
const RESETS_PER_EMAIL: Limit = { attempts: 3, windowSecs: 60 * 60 };
const VERIFICATION_MAILS_PER_ACCOUNT: Limit = { attempts: 3, windowSecs: 60 * 60 };

export function createRecoveryThrottle(pool: pg.Pool) {
  const resetsByNetwork = createLimiter(pool, "rate_limits", "reset-ip", RESETS_PER_NETWORK);
  const resetsByEmail = createLimiter(pool, "rate_limits", "reset-email", RESETS_PER_EMAIL);
  const verificationMails = createLimiter(pool, "rate_limits", "verify-mail", VERIFICATION_MAILS_PER_ACCOUNT);
  return {
    async resetRequest(ip: string, email: Email): Promise<LimitVerdict> {
      return combineVerdicts(await Promise.all([resetsByNetwork.consume(networkOf(ip)), resetsByEmail.consume(email)]));
    },
    /** "Send the link again" and email changes: mails to one account's addresses. */
    verificationMail: (userId: UserId): Promise<LimitVerdict> => verificationMails.consume(userId),
  };
}

export type RecoveryThrottle = ReturnType<typeof createRecoveryThrottle>;
