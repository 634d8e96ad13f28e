import { z } from "zod";
import { hasRole, type User, type UserId } from "./user.ts";

/** Every action the log records (auth, chat, posts); new kinds of action are added here. */
export const auditActions = [
  "auth.register",
  "auth.login",
  "auth.login_failed",
  "auth.logout",
  "auth.session_revoked",
  "auth.password_changed",
  "auth.role_changed",
  "auth.register_refused",
  "auth.email_verification_sent",
  "auth.email_verified",
  "auth.email_change_requested",
  "auth.email_changed",
  "auth.password_reset_requested",
  "auth.password_reset",
  "auth.display_name_changed",
  "auth.account_deleted",
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
  "chat.join",
  "chat.post",
  "chat.bot",
  "chat.approve",
  "chat.remove",
] as const;
export type AuditAction = (typeof auditActions)[number];

/**
 * The action log's rules (decision 0011): what an entry is, what it may point at, who may read it,
 * and the filters a reader narrows it by. Ids are Postgres bigints that commit in order, so
 * "everything after id N" is complete and a cursor never skips or repeats a row.
 */
export const ACTION_LOG_CHANNEL = "action_logs";

/** What an entry may be about; an entry about no particular thing has no resource. */
export const resourceTypes = ["user", "chat_room", "post"] as const;
export type ResourceType = (typeof resourceTypes)[number];
export const resourceTypeSchema = z.enum(resourceTypes);

export interface ResourceRef {
  readonly type: ResourceType;
  readonly id: string;
}

const MAX_BIGINT = 2n ** 63n - 1n;
export const actionLogIdSchema = z
  .string()
  .refine((value) => /^[1-9]\d{0,18}$/.test(value) && BigInt(value) <= MAX_BIGINT, "Not an action log id")
  .brand<"ActionLogId">();
export type ActionLogId = z.infer<typeof actionLogIdSchema>;

export interface ActionLogEntry {
  readonly id: ActionLogId;
  readonly action: AuditAction;
  readonly actorId: UserId | null;
  readonly actorName: string | null;
  readonly ip: string | null;
  readonly userAgent: string | null;
  readonly resource: ResourceRef | null;
  readonly metadata: Record<string, unknown>;
  readonly occurredAt: Date;
}

/** Narrowing a listing: every field optional, all of them must hold. `from` inclusive, `to` exclusive. */
export interface ActionLogFilter {
  readonly action?: AuditAction;
  readonly actorId?: UserId;
  readonly resourceType?: ResourceType;
  readonly resourceId?: string;
  readonly from?: Date;
  readonly to?: Date;
}

/** Whether an entry passes a filter: the same rules as the listing's query (`audit-repository.ts`), for entries that arrive live. */
export function matchesFilter(
  entry: {
    readonly action: AuditAction;
    readonly actorId: string | null;
    readonly resource: ResourceRef | null;
    readonly occurredAt: Date;
  },
  filter: ActionLogFilter,
): boolean {
  return (
    (filter.action === undefined || entry.action === filter.action) &&
    (filter.actorId === undefined || entry.actorId === filter.actorId) &&
    (filter.resourceType === undefined || entry.resource?.type === filter.resourceType) &&
    (filter.resourceId === undefined || entry.resource?.id === filter.resourceId) &&
    (filter.from === undefined || entry.occurredAt >= filter.from) &&
    (filter.to === undefined || entry.occurredAt < filter.to)
  );
}

/** Whose entries a reader sees: all of them (admins), or only the actions they did themselves. */
export type ActionLogScope = { readonly everyone: true } | { readonly actorId: UserId };

export function scopeOf(viewer: Pick<User, "id" | "role">): ActionLogScope {
  return hasRole(viewer, "admin") ? { everyone: true } : { actorId: viewer.id };
}

export function inScope(entry: Pick<ActionLogEntry, "actorId">, scope: ActionLogScope): boolean {
  return "everyone" in scope || entry.actorId === scope.actorId;
}

export const ACTION_LOG_PAGE = { default: 50, max: 100 } as const;

/** An entry as the API, the admin page and the action-log stream show it (dates as ISO text, the actor with their name). */
export interface ActionLogView {
  readonly id: ActionLogId;
  readonly action: AuditAction;
  readonly actor: { readonly id: string; readonly username: string | null } | null;
  readonly ip: string | null;
  readonly userAgent: string | null;
  readonly resource: ResourceRef | null;
  readonly metadata: Record<string, unknown>;
  readonly occurredAt: string;
}

export function actionLogView(entry: ActionLogEntry): ActionLogView {
  return {
    id: entry.id,
    action: entry.action,
    actor: entry.actorId === null ? null : { id: entry.actorId, username: entry.actorName },
    ip: entry.ip,
    userAgent: entry.userAgent,
    resource: entry.resource,
    metadata: entry.metadata,
    occurredAt: entry.occurredAt.toISOString(),
  };
}
