import { Secret, TOTP } from "otpauth";

/**
 * The tests' authenticator app: the same library the server uses, fed only the secret the setup
 * page shows. Codes are taken from time steps after the last one used (the server accepts one step
 * of drift either way), so no test waits for the clock and no code is used twice.
 */
export const currentStep = () => Math.floor(Date.now() / 30_000);

/** A step after the last one used: the next one while the clock is still in it (one step ahead is accepted), else the current one. */
export const stepAfter = (used: number) => Math.max(currentStep(), used + 1);

export const codeFor = (secret: string, step: number) =>
  new TOTP({ secret: Secret.fromBase32(secret) }).generate({ timestamp: step * 30_000 });
