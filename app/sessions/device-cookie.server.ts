import { randomBytes } from "node:crypto";
import { createCookie } from "react-router";
import { z } from "zod";
import type { KnownDevice } from "#app/models/client-info.ts";

/**
 * The device cookie (OWASP's "device cookies", docs/decisions/0017): a signed, HttpOnly cookie
 * that a browser gets when an account signs in on it, naming a random device id and the accounts
 * that signed in there. Sign-in attempts for those accounts from this browser then count against
 * the device alone, so strangers' failures elsewhere cannot lock the owner out of a known device.
 * It grants nothing else: no session, no identity; a forged or altered one reads as absent.
 */
export interface DeviceCookie {
  /** The device this cookie header names, when its signature holds. */
  read(cookieHeader: string | null): Promise<KnownDevice | undefined>;
  /** The Set-Cookie value after `userId` signed in on `device` (a new device when there is none). */
  remember(device: KnownDevice | undefined, userId: string): Promise<string>;
}

/** The accounts one browser remembers, most recent last. */
const MAX_ACCOUNTS = 5;
const LIFETIME_SECS = 365 * 24 * 3600;
const stored = z.object({ id: z.string().regex(/^[A-Za-z0-9_-]{22}$/), userIds: z.array(z.uuid()).max(MAX_ACCOUNTS) });

export const deviceCookieName = (secure: boolean): string => (secure ? "__Host-glassbox_device" : "glassbox_device");

export function createDeviceCookie({ secrets, secure }: { secrets: readonly string[]; secure: boolean }): DeviceCookie {
  const cookie = createCookie(deviceCookieName(secure), {
    httpOnly: true,
    sameSite: "lax",
    secure,
    path: "/",
    maxAge: LIFETIME_SECS,
    secrets: [...secrets],
  });
  return {
    async read(cookieHeader) {
      if (!cookieHeader?.includes("glassbox_device=")) return undefined;
      const parsed = stored.safeParse(await cookie.parse(cookieHeader));
      return parsed.success ? parsed.data : undefined;
    },
    remember(device, userId) {
      const others = (device?.userIds ?? []).filter((id) => id !== userId);
      return cookie.serialize({
        id: device?.id ?? randomBytes(16).toString("base64url"),
        userIds: [...others, userId].slice(-MAX_ACCOUNTS),
      });
    },
  };
}
