import { sql, type Kysely } from "kysely";
import type { Database } from "./database.server.ts";
import type { UserId } from "./user.ts";

/**
 * "Who is signed in here changed": a sign-in or sign-out in one tab reaches the visitor's other
 * tabs, a session revoked elsewhere reaches the account's tabs, on every instance (NOTIFY on
 * `session_events`, delivered at commit). The payload names whom to tell and why; the tabs then
 * ask their own server again (the `session` event), so nothing about the session travels here.
 */
export const SESSION_CHANNEL = "session_events";

export const sessionChanges = ["signed-in", "signed-out", "revoked"] as const;
export type SessionChange = (typeof sessionChanges)[number];

export type SessionAudience = { readonly visitorId: string } | { readonly userId: UserId };

export function sessionEventPayload(audience: SessionAudience, change: SessionChange): string {
  return "visitorId" in audience ? `visitor:${change}:${audience.visitorId}` : `user:${change}:${audience.userId}`;
}

export function parseSessionEvent(payload: string): { audience: SessionAudience; change: SessionChange } | undefined {
  const [kind, change, id] = payload.split(":");
  if (!id || !sessionChanges.includes(change as SessionChange)) return undefined;
  if (kind === "visitor") return { audience: { visitorId: id }, change: change as SessionChange };
  if (kind === "user") return { audience: { userId: id as UserId }, change: change as SessionChange };
  return undefined;
}

/** Announces the change; inside a transaction it goes out at commit (nothing is told about what rolled back). */
export async function announceSessionChange(
  db: Kysely<Database>,
  audience: SessionAudience,
  change: SessionChange,
): Promise<void> {
  await sql`select pg_notify(${SESSION_CHANNEL}, ${sessionEventPayload(audience, change)})`.execute(db);
}
