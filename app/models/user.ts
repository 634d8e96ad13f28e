import { z } from "zod";

/** Accounts: the rules of DESIGN.md (Accounts and sessions) as zod schemas and branded types. */

export const roles = ["member", "moderator", "admin"] as const;
export type Role = (typeof roles)[number];

/** Roles are ranked: a moderator may do what a member may, an admin what a moderator may. */
export function hasRole(user: Pick<User, "role">, needed: Role): boolean {
  return roles.indexOf(user.role) >= roles.indexOf(needed);
}

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
const withinPasswordBytes = (value: string) => Buffer.byteLength(value, "utf8") <= MAX_PASSWORD_BYTES;

/** A new password: the rules a password must meet when it is chosen. */
export const passwordSchema = z
  .string({ error: "Enter a password" })
  .min(12, "Use at least 12 characters")
  .refine(withinPasswordBytes, `Use at most ${MAX_PASSWORD_BYTES} bytes`)
  .brand<"Password">();
export type Password = z.infer<typeof passwordSchema>;

/** A password typed to prove who you are: any non-empty value within the size limit. */
export const passwordAttemptSchema = z
  .string({ error: "Enter your password" })
  .min(1, "Enter your password")
  .refine(withinPasswordBytes, `Use at most ${MAX_PASSWORD_BYTES} bytes`)
  .brand<"PasswordAttempt">();
export type PasswordAttempt = z.infer<typeof passwordAttemptSchema>;

/** What a member calls themselves on their account page and in the header: 1–50 characters, no control characters. */
export const displayNameSchema = z
  .string({ error: "Enter a display name" })
  .trim()
  .min(1, "Enter a display name")
  .max(50, "Use at most 50 characters")
  .refine((value) => !/[\p{Cc}\p{Cf}\u2028\u2029]/u.test(value), "Use letters, digits, spaces and punctuation only")
  .brand<"DisplayName">();
export type DisplayName = z.infer<typeof displayNameSchema>;

export interface User {
  readonly id: UserId;
  readonly username: Username;
  readonly email: Email;
  readonly role: Role;
  readonly createdAt: Date;
  /** When the owner last proved the address (a mailed link, or GitHub/Google vouching for it); null: not yet. */
  readonly emailVerifiedAt: Date | null;
  /** Null: the username is shown. */
  readonly displayName: DisplayName | null;
}

/** Whether the account's email address is proven: what posting in chat needs (and, later, ADMIN_EMAILS). */
export const isEmailVerified = (user: Pick<User, "emailVerifiedAt">): boolean => user.emailVerifiedAt !== null;

/** The name a member is greeted by: the display name, else the username. */
export const nameOf = (user: Pick<User, "displayName" | "username">): string => user.displayName ?? user.username;

/** The role changes admins make: a member becomes a moderator, a moderator a member again. */
export const roleChanges = {
  promote: { from: "member", to: "moderator" },
  demote: { from: "moderator", to: "member" },
} as const satisfies Record<string, { from: Role; to: Role }>;
export type RoleChange = keyof typeof roleChanges;

/** Only admins change roles, and only between member and moderator (admins come from ADMIN_EMAILS). */
export function canChangeRole(actor: Pick<User, "role">, target: Pick<User, "role">, change: RoleChange): boolean {
  return actor.role === "admin" && target.role === roleChanges[change].from;
}
