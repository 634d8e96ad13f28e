import type { ColumnType, Generated, JSONColumnType } from "kysely";

/** Kysely's view of the schema that db/migrations builds; rows never leave app/models. */
export interface Database {
  audit_log: AuditLogTable;
}

export interface AuditLogTable {
  id: Generated<string>;
  occurred_at: ColumnType<Date, Date | undefined, never>;
  actor_id: string | null;
  action: string;
  ip: string | null;
  user_agent: string | null;
  metadata: JSONColumnType<Record<string, unknown>>;
}
