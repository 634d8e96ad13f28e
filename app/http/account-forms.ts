import { z } from "zod";
import { accountTokenSchema } from "#app/models/account-token.ts";
import { secondFactorSchema } from "#app/models/two-factor.ts";
import {
  displayNameSchema,
  emailSchema,
  passwordAttemptSchema,
  passwordSchema,
  roleChanges,
  userIdSchema,
  usernameSchema,
} from "#app/models/user.ts";

/** The account forms' fields, built from the account rules in app/models/user.ts. */
export const registerForm = z.object({ username: usernameSchema, email: emailSchema, password: passwordSchema });

export const loginForm = z.object({ email: emailSchema, password: passwordAttemptSchema });

export const changePasswordForm = z.object({ currentPassword: passwordAttemptSchema, newPassword: passwordSchema });

/** An account made through GitHub or Google has no password to confirm: it only chooses one (a current password sent anyway is ignored). */
export const setPasswordForm = z.object({
  currentPassword: z.unknown().transform((): undefined => undefined),
  newPassword: passwordSchema,
});

export const revokeSessionForm = z.object({ session: z.string().regex(/^[\w-]{22}$/, "Choose a session") });

/** An admin's role change; a form naming only the account promotes it (the form before demotion existed). */
export const roleChangeForm = z.object({
  userId: userIdSchema,
  change: z.enum(Object.keys(roleChanges) as [keyof typeof roleChanges]).default("promote"),
});

/** "Forgot password?": only the address. */
export const forgotPasswordForm = z.object({ email: emailSchema });

/** A mailed link's token (the verification page's confirm button). */
export const tokenForm = z.object({ token: accountTokenSchema });

/** The reset page: the link's token and the new password. */
export const resetPasswordForm = z.object({ token: accountTokenSchema, password: passwordSchema });

/** An empty field, as a form sends it, is no value. */
const optional = <Schema extends z.ZodType>(schema: Schema) =>
  z.preprocess((value) => (value === "" ? undefined : value), schema.optional());

/**
 * "Is it you?" before deleting the account or changing its address: the password, or a code from
 * the authenticator app (or a backup code), or, for an account with neither, its username typed out.
 */
const identityProofFields = {
  currentPassword: optional(passwordAttemptSchema),
  code: optional(secondFactorSchema),
  confirmUsername: optional(z.string().max(100)),
};

export const changeEmailForm = z.object({ email: emailSchema, ...identityProofFields });

export const deleteAccountForm = z.object(identityProofFields);

/** An empty display name goes back to the username. */
export const displayNameForm = z.object({
  displayName: z.preprocess(
    (value) => (typeof value === "string" && value.trim() === "" ? null : value),
    displayNameSchema.nullable(),
  ),
});
