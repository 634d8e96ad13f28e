import { createCookie } from "react-router";
import { z } from "zod";
import { safeRedirectPath } from "#app/http/redirect-target.ts";
import { userIdSchema, type UserId } from "#app/models/user.ts";

/**
 * The step between a right password and a right second factor: a short-lived, signed, HttpOnly
 * cookie naming the account and where to go next. It is not a session: no row exists and nothing
 * but the two-factor page reads it; the session is started only when the code is accepted.
 * The expiry is inside the signed value as well, so a kept cookie is refused after it.
 */
export interface PendingSignIn {
  readonly userId: UserId;
  /** The `next` the sign-in form carried (already checked to be a local path). */
  readonly next: string;
}

export interface PendingSignInOptions {
  readonly secrets: readonly string[];
  /** Production: Secure and the `__Host-` prefix, like the session cookie. */
  readonly secure: boolean;
  readonly lifetimeSecs: number;
}

export interface PendingSignInCookie {
  /** The Set-Cookie value that starts the step. */
  start(pending: PendingSignIn): Promise<string>;
  /** The step this cookie holds, or undefined when it is missing, forged or expired. */
  read(cookieHeader: string | null): Promise<PendingSignIn | undefined>;
  /** The Set-Cookie value that ends the step. */
  clear(): Promise<string>;
}

const stored = z.object({ userId: userIdSchema, next: z.string(), expiresAt: z.number() });

export function createPendingSignInCookie(options: PendingSignInOptions): PendingSignInCookie {
  const cookie = createCookie(options.secure ? "__Host-glassbox_pending_sign_in" : "glassbox_pending_sign_in", {
    httpOnly: true,
    sameSite: "lax",
    secure: options.secure,
    path: "/",
    maxAge: options.lifetimeSecs,
    secrets: [...options.secrets],
  });
  return {
    start: ({ userId, next }) =>
      cookie.serialize({ userId, next, expiresAt: Date.now() + options.lifetimeSecs * 1000 }),
    async read(cookieHeader) {
      // parse verifies the signature against every secret: a forged or altered value reads as null.
      const parsed = stored.safeParse(cookieHeader ? await cookie.parse(cookieHeader) : null);
      if (!parsed.success || parsed.data.expiresAt <= Date.now()) return undefined;
      return { userId: parsed.data.userId, next: safeRedirectPath(parsed.data.next, "/") };
    },
    clear: () => cookie.serialize("", { maxAge: 0 }),
  };
}
