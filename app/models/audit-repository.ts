import type { Kysely } from "kysely";
import type { ClientInfo } from "./client-info.ts";
import type { Database } from "./database.ts";
import type { UserId } from "./user.ts";

/** The audit log: who did what, from where, and when. Rows are only ever appended. */
export const auditActions = [
  "auth.register",
  "auth.login",
  "auth.login_failed",
  "auth.logout",
  "auth.session_revoked",
  "auth.password_changed",
  "auth.role_changed",
  "post.created",
  "post.updated",
  "post.deleted",
  "auth.totp_enabled",
  "auth.totp_disabled",
  "auth.totp_verified",
  "auth.totp_failed",
  "auth.backup_code_used",
  "auth.backup_codes_regenerated",
  "auth.oauth_login",
  "auth.oauth_linked",
  "auth.oauth_unlinked",
] as const;
export type AuditAction = (typeof auditActions)[number];

export interface AuditEntry {
  readonly actorId: UserId | null;
  readonly action: AuditAction;
  readonly client: ClientInfo | null;
  readonly metadata?: Record<string, unknown>;
}

export interface AuditRecord extends AuditEntry {
  readonly actorName: string | null;
  readonly occurredAt: Date;
}

export function createAuditRepository(db: Kysely<Database>) {
  return {
    async record(entry: AuditEntry): Promise<void> {
      await db
        .insertInto("audit_log")
        .values({
          actor_id: entry.actorId,
          action: entry.action,
          ip: entry.client?.ip ?? null,
          user_agent: entry.client?.userAgent?.slice(0, 512) ?? null,
          metadata: JSON.stringify(entry.metadata ?? {}),
        })
        .execute();
    },

    /** The newest entries, newest first. */
    async recent(limit: number): Promise<AuditRecord[]> {
      const rows = await db
        .selectFrom("audit_log")
        .leftJoin("users", "users.id", "audit_log.actor_id")
        .selectAll("audit_log")
        .select("users.username")
        .orderBy("audit_log.id", "desc")
        .limit(limit)
        .execute();
      return rows.map((row) => ({
        actorId: row.actor_id as UserId | null,
        actorName: row.username,
        action: row.action as AuditAction,
        client: row.ip === null ? null : { ip: row.ip, userAgent: row.user_agent ?? undefined },
        metadata: row.metadata,
        occurredAt: row.occurred_at,
      }));
    },
  };
}

export type AuditRepository = ReturnType<typeof createAuditRepository>;

/**
 * Audit retention: deletes entries of both audit trails (accounts and chat) older than `cutoff`.
 * The one place that knows which tables hold audit entries.
 */
export async function purgeAuditOlderThan(db: Kysely<Database>, cutoff: Date): Promise<number> {
  const accounts = await db.deleteFrom("audit_log").where("occurred_at", "<", cutoff).executeTakeFirst();
  const chat = await db.deleteFrom("chat_audit_log").where("occurred_at", "<", cutoff).executeTakeFirst();
  return Number(accounts.numDeletedRows) + Number(chat.numDeletedRows);
}
