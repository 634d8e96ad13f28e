import { randomBytes } from "node:crypto";
import { argon2id, hash, needsRehash, verify } from "argon2";
import type { Password, PasswordAttempt } from "#app/models/user.ts";

/** argon2id with OWASP's minimum parameters: 19 MiB of memory, 2 passes, 1 lane. */
const options = { type: argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export function createPasswordHasher() {
  // Unknown emails are checked against this hash of a random password, made with the same
  // parameters, so a failed sign-in takes as long whether or not the account exists.
  // Made at start-up, so the first unknown email does not pay for it.
  const dummyHash = hash(randomBytes(32).toString("base64url"), options);

  return {
    hash: (password: Password | PasswordAttempt): Promise<string> => hash(password, options),

    /** True only for a real hash that matches; `undefined` (no such account) costs the same and fails. */
    async verify(storedHash: string | undefined, attempt: PasswordAttempt): Promise<boolean> {
      const matches = await verify(storedHash ?? (await dummyHash), attempt).catch(() => false);
      return storedHash !== undefined && matches;
    },

    /** A hash made with weaker parameters than today's is replaced at the next successful sign-in. */
    isOutdated: (storedHash: string): boolean => needsRehash(storedHash, options),
  };
}

export type PasswordHasher = ReturnType<typeof createPasswordHasher>;
