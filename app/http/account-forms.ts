import { z } from "zod";
import { emailSchema, passwordAttemptSchema, passwordSchema, userIdSchema, usernameSchema } from "../models/user.ts";

/** The account forms' fields, built from the account rules in app/models/user.ts. */
export const registerForm = z.object({ username: usernameSchema, email: emailSchema, password: passwordSchema });

export const loginForm = z.object({ email: emailSchema, password: passwordAttemptSchema });

export const changePasswordForm = z.object({ currentPassword: passwordAttemptSchema, newPassword: passwordSchema });

/** An account made through GitHub has no password to confirm: it only chooses one (a current password sent anyway is ignored). */
export const setPasswordForm = z.object({ currentPassword: z.unknown().transform((): undefined => undefined), newPassword: passwordSchema });

export const revokeSessionForm = z.object({ session: z.string().regex(/^[\w-]{22}$/, "Choose a session") });

export const promoteForm = z.object({ userId: userIdSchema });
