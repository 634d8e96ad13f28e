import type { ColumnType, Generated, JSONColumnType } from "kysely";

/** Kysely's view of the schema that db/migrations builds; rows never leave app/models. */
export interface Database {
  audit_log: AuditLogTable;
  users: UsersTable;
  sessions: SessionsTable;
  login_throttle: LoginThrottleTable;
}

type CreatedAt = ColumnType<Date, Date | undefined, never>;

export interface AuditLogTable {
  id: Generated<string>;
  occurred_at: CreatedAt;
  actor_id: string | null;
  action: string;
  ip: string | null;
  user_agent: string | null;
  metadata: JSONColumnType<Record<string, unknown>>;
}

export interface UsersTable {
  id: Generated<string>;
  username: string;
  email: string;
  password_hash: string;
  role: Generated<"member" | "moderator" | "admin">;
  created_at: CreatedAt;
}

export interface SessionsTable {
  id: string;
  user_id: string | null;
  data: JSONColumnType<Record<string, unknown>>;
  user_agent: string | null;
  ip: string | null;
  created_at: CreatedAt;
  last_seen_at: ColumnType<Date, Date | undefined, Date>;
  expires_at: ColumnType<Date, Date, Date>;
  absolute_expires_at: ColumnType<Date, Date, never>;
}

/** Written by rate-limiter-flexible (app/models/login-throttle.ts); `expire` is epoch milliseconds. */
export interface LoginThrottleTable {
  key: string;
  points: number;
  expire: ColumnType<string | null, number | null, number | null>;
}
