import { sql, type Kysely, type Selectable } from "kysely";
import {
  ACTION_LOG_CHANNEL,
  type ActionLogEntry,
  type AuditAction,
  type ActionLogFilter,
  type ActionLogId,
  type ActionLogScope,
  type ResourceRef,
  type ResourceType,
} from "./action-log.ts";
import type { ClientInfo } from "./client-info.ts";
import type { ActionLogsTable, Database } from "./database.server.ts";
import type { UserId } from "./user.ts";

/**
 * The action log (table `action_logs`, decision 0011): who did what, from where, to what, and when.
 * Rows are only ever appended, in commit order, and each one is announced (NOTIFY) at commit.
 */

export interface AuditEntry {
  readonly actorId: UserId | null;
  readonly action: AuditAction;
  readonly client: ClientInfo | null;
  /** What the action was about (a room, an account), when it was about one thing. */
  readonly resource?: ResourceRef;
  readonly metadata?: Record<string, unknown>;
}

function toEntry(row: Selectable<ActionLogsTable> & { username: string | null }): ActionLogEntry {
  return {
    id: row.id as ActionLogId,
    action: row.action as ActionLogEntry["action"],
    actorId: row.actor_id as UserId | null,
    actorName: row.username,
    ip: row.ip,
    userAgent: row.user_agent,
    resource:
      row.resource_type === null || row.resource_id === null
        ? null
        : { type: row.resource_type as ResourceType, id: row.resource_id },
    metadata: row.metadata,
    occurredAt: row.occurred_at,
  };
}

/** The advisory lock that serialises action-log writers (see `append`). */
const ACTION_LOG_LOCK = 0x616c6f67;

export function createAuditRepository(db: Kysely<Database>) {
  const entries = (scope: ActionLogScope) => {
    let query = db
      .selectFrom("action_logs")
      .leftJoin("users", "users.id", "action_logs.actor_id")
      .selectAll("action_logs")
      .select("users.username");
    if ("actorId" in scope) query = query.where("action_logs.actor_id", "=", scope.actorId);
    return query;
  };

  async function append(trx: Kysely<Database>, entry: AuditEntry): Promise<void> {
    // Rows commit in id order (one writer at a time from here to commit), so a reader that has
    // seen id N never later meets a smaller id: the stream's Last-Event-ID and cursors stay exact.
    await sql`select pg_advisory_xact_lock(${ACTION_LOG_LOCK})`.execute(trx);
    const { id } = await trx
      .insertInto("action_logs")
      .values({
        actor_id: entry.actorId,
        action: entry.action,
        ip: entry.client?.ip ?? null,
        user_agent: entry.client?.userAgent?.slice(0, 512) ?? null,
        resource_type: entry.resource?.type ?? null,
        resource_id: entry.resource?.id ?? null,
        metadata: JSON.stringify(entry.metadata ?? {}),
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    await sql`select pg_notify(${ACTION_LOG_CHANNEL}, ${id})`.execute(trx);
  }

  return {
    /** Appends the entry; inside a transaction it commits (and is announced) with it. */
    async record(entry: AuditEntry): Promise<void> {
      if (db.isTransaction) await append(db, entry);
      else await db.transaction().execute((trx) => append(trx, entry));
    },

    /** Up to `limit` entries before the cursor (all when unset), newest first, that match the filter. */
    async page(
      scope: ActionLogScope,
      filter: ActionLogFilter,
      limit: number,
      before?: ActionLogId,
    ): Promise<ActionLogEntry[]> {
      let query = entries(scope).orderBy("action_logs.id", "desc").limit(limit);
      if (before) query = query.where("action_logs.id", "<", before);
      if (filter.action) query = query.where("action_logs.action", "=", filter.action);
      if (filter.actorId) query = query.where("action_logs.actor_id", "=", filter.actorId);
      if (filter.resourceType) query = query.where("action_logs.resource_type", "=", filter.resourceType);
      if (filter.resourceId) query = query.where("action_logs.resource_id", "=", filter.resourceId);
      if (filter.from) query = query.where("action_logs.occurred_at", ">=", filter.from);
      if (filter.to) query = query.where("action_logs.occurred_at", "<", filter.to);
      return (await query.execute()).map(toEntry);
    },

    /** Every entry after `after` in the scope, oldest first: what a stream missed. */
    async since(scope: ActionLogScope, after: ActionLogId, limit: number): Promise<ActionLogEntry[]> {
      const rows = await entries(scope)
        .where("action_logs.id", ">", after)
        .orderBy("action_logs.id")
        .limit(limit)
        .execute();
      return rows.map(toEntry);
    },

    async latestId(): Promise<ActionLogId | undefined> {
      const row = await db.selectFrom("action_logs").select("id").orderBy("id", "desc").limit(1).executeTakeFirst();
      return row?.id as ActionLogId | undefined;
    },
  };
}

export type AuditRepository = ReturnType<typeof createAuditRepository>;

/** Audit retention: deletes action-log entries older than `cutoff`. */
export async function purgeAuditOlderThan(db: Kysely<Database>, cutoff: Date): Promise<number> {
  const { numDeletedRows } = await db.deleteFrom("action_logs").where("occurred_at", "<", cutoff).executeTakeFirst();
  return Number(numDeletedRows);
}
