import type { ColumnType, Generated, JSONColumnType } from "kysely";

/** Kysely's view of the schema that db/migrations builds; rows never leave app/models. */
export interface Database {
  action_logs: ActionLogsTable;
  users: UsersTable;
  sessions: SessionsTable;
  login_throttle: RateLimiterTable;
  chat_rooms: ChatRoomsTable;
  chat_memberships: ChatMembershipsTable;
  chat_messages: ChatMessagesTable;
  chat_moderation_queue: ChatModerationQueueTable;
  chat_rate_windows: RateLimiterTable;
}

type CreatedAt = ColumnType<Date, Date | undefined, never>;

export interface ActionLogsTable {
  /** bigint: pg returns it as a string. */
  id: Generated<string>;
  occurred_at: CreatedAt;
  actor_id: string | null;
  action: string;
  ip: string | null;
  user_agent: string | null;
  resource_type: string | null;
  resource_id: string | null;
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

/** rate-limiter-flexible's Postgres layout (login_throttle, chat_rate_windows); `expire` is epoch milliseconds. */
export interface RateLimiterTable {
  key: string;
  points: number;
  expire: ColumnType<string | null, number | null, number | null>;
}

export interface ChatRoomsTable {
  id: string;
  name: string;
  position: number;
}

export interface ChatMembershipsTable {
  room_id: string;
  user_id: string;
  role: Generated<"member" | "owner">;
  joined_at: CreatedAt;
}

export interface ChatMessagesTable {
  /** bigint: pg returns it as a string. */
  id: Generated<string>;
  room_id: string;
  author_id: string | null;
  author_name: string;
  body: string;
  status: "visible" | "pending" | "removed";
  created_at: CreatedAt;
}

export interface ChatModerationQueueTable {
  message_id: string;
  reason: string;
  queued_at: CreatedAt;
  decision: "approved" | "removed" | null;
  decided_by: string | null;
  decided_at: Date | null;
}
