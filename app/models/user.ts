import { z } from "zod";

/** Accounts: the rules of DESIGN.md (Accounts and sessions) as zod schemas and branded types. */

export const roles = ["member", "moderator", "admin"] as const;
export type Role = (typeof roles)[number];

export const userIdSchema = z.uuid().brand<"UserId">();
export type UserId = z.infer<typeof userIdSchema>;

export const usernameSchema = z
  .string({ error: "Enter a username" })
  .trim()
  .toLowerCase()
  .min(3, "Use at least 3 characters")
  .max(20, "Use at most 20 characters")
  .regex(/^[a-z0-9_]+$/, "Use only letters, digits and _")
  .brand<"Username">();
export type Username = z.infer<typeof usernameSchema>;

export const emailSchema = z
  .string({ error: "Enter an email address" })
  .trim()
  .toLowerCase()
  .max(254, "Use at most 254 characters")
  .pipe(z.email("Enter a valid email address"))
  .brand<"Email">();
export type Email = z.infer<typeof emailSchema>;

const MAX_PASSWORD_BYTES = 1024;
export const passwordSchema = z
  .string({ error: "Enter a password" })
  .min(12, "Use at least 12 characters")
  .refine((value) => Buffer.byteLength(value, "utf8") <= MAX_PASSWORD_BYTES, `Use at most ${MAX_PASSWORD_BYTES} bytes`)
  .brand<"Password">();
export type Password = z.infer<typeof passwordSchema>;

export interface User {
  readonly id: UserId;
  readonly username: Username;
  readonly email: Email;
  readonly role: Role;
  readonly createdAt: Date;
}

/** Only admins promote, and only members become moderators. */
export function canPromoteToModerator(actor: Pick<User, "role">, target: Pick<User, "role">): boolean {
  return actor.role === "admin" && target.role === "member";
}
