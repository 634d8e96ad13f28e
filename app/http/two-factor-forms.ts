import { z } from "zod";
import { secondFactorSchema, totpCodeSchema } from "#app/models/two-factor.ts";

/** The two-factor forms' fields, built from the rules in app/models/two-factor.ts. */

/** Turning two-factor on proves the app is set up: only the app's code will do. */
export const confirmTwoFactorForm = z.object({ code: totpCodeSchema });

/** Signing in, new backup codes, turning it off: the app's code or an unused backup code. */
export const secondFactorForm = z.object({ code: secondFactorSchema });
