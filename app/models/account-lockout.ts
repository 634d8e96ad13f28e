import type pg from "pg";
import { networkOf, trustedDeviceOf, type ClientInfo } from "./client-info.ts";
import { createLimiter, type Limit, type LimitVerdict } from "./rate-limit.ts";

/**
 * A per-account limit on guesses (passwords, two-factor codes) that strangers cannot turn into a
 * lock-out of the owner, after OWASP's "device cookies" (docs/decisions/0017):
 * - a device that has signed in to the account before counts its attempts against itself alone
 *   (`limit` per device), whatever strangers do elsewhere;
 * - any other attempt counts per (account, network) and per account: a network that reached
 *   `limit` is refused; once the account has `limit` attempts from strangers, a network with no
 *   attempts of its own still gets through (its first), one with attempts does not;
 * - a ceiling per account bounds what a guesser spread over many networks gets.
 * Attempts are counted before the secret is checked, so parallel guesses cannot slip past.
 */
export interface AttemptSource {
  /** The client's network (`networkOf`). */
  readonly network: string;
  /** The device id when it has signed in to this account before (`trustedDeviceOf`). */
  readonly trustedDevice?: string;
}

/** Where an attempt on `userId`'s account comes from (`userId` undefined: no such account, never a trusted device). */
export const attemptSourceOf = (client: ClientInfo, userId: string | undefined): AttemptSource => ({
  network: networkOf(client.ip),
  trustedDevice: trustedDeviceOf(client, userId),
});

export interface LockoutLimits {
  readonly limit: Limit;
  readonly ceiling: Limit;
}

export function createAccountLockout(pool: pg.Pool, prefix: string, { limit, ceiling }: LockoutLimits) {
  const byDevice = createLimiter(pool, "login_throttle", `${prefix}-device`, limit);
  const byAccountNetwork = createLimiter(pool, "login_throttle", `${prefix}-network`, limit);
  const byAccount = createLimiter(pool, "login_throttle", prefix, limit);
  const byAccountCeiling = createLimiter(pool, "login_throttle", `${prefix}-ceiling`, ceiling);
  const pairOf = (account: string, network: string) => `${account}|${network}`;

  return {
    async attempt(account: string, source: AttemptSource): Promise<LimitVerdict> {
      if (source.trustedDevice !== undefined) return byDevice.consume(pairOf(account, source.trustedDevice));
      const [fromHere, fromAnywhere, inAll] = await Promise.all([
        byAccountNetwork.consume(pairOf(account, source.network)),
        byAccount.consume(account),
        byAccountCeiling.consume(account),
      ]);
      if (!fromHere.allowed) return fromHere;
      if (!inAll.allowed) return inAll;
      // Locked for strangers: only a network without attempts of its own still gets through.
      if (!fromAnywhere.allowed && fromHere.used > 1) return fromAnywhere;
      return { allowed: true };
    },

    /** The right secret: this source's count starts again (and the account's, for a stranger's network). */
    async succeeded(account: string, source: AttemptSource): Promise<void> {
      if (source.trustedDevice !== undefined) return byDevice.reset(pairOf(account, source.trustedDevice));
      await Promise.all([
        byAccountNetwork.reset(pairOf(account, source.network)),
        byAccount.reset(account),
        byAccountCeiling.giveBack(account),
      ]);
    },
  };
}

export type AccountLockout = ReturnType<typeof createAccountLockout>;
