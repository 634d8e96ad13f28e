import { sql, type Kysely } from "kysely";

/**
 * Live chat (issue 4): rooms, memberships, messages with their moderation status, the moderation
 * queue, the chat audit log, and the per-member rate-limit windows (rate-limiter-flexible's layout).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("chat_rooms")
    .addColumn("id", "text", (col) => col.primaryKey())
    .addColumn("name", "text", (col) => col.notNull())
    .addColumn("position", "integer", (col) => col.notNull())
    .execute();
  await sql`insert into chat_rooms (id, name, position) values ('lobby', 'Lobby', 1), ('demo', 'Demo', 2), ('support', 'Support', 3)`.execute(
    db,
  );

  await db.schema
    .createTable("chat_memberships")
    .addColumn("room_id", "text", (col) => col.notNull().references("chat_rooms.id").onDelete("cascade"))
    .addColumn("user_id", "uuid", (col) => col.notNull().references("users.id").onDelete("cascade"))
    .addColumn("role", "text", (col) =>
      col
        .notNull()
        .defaultTo("member")
        .check(sql`role in ('member', 'owner')`),
    )
    .addColumn("joined_at", "timestamptz", (col) => col.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint("chat_memberships_pk", ["room_id", "user_id"])
    .execute();

  await db.schema
    .createTable("chat_messages")
    .addColumn("id", "bigint", (col) => col.generatedAlwaysAsIdentity().primaryKey())
    .addColumn("room_id", "text", (col) => col.notNull().references("chat_rooms.id").onDelete("cascade"))
    // Null for the demo bot; the name is kept so history reads without a join on users.
    .addColumn("author_id", "uuid", (col) => col.references("users.id").onDelete("set null"))
    .addColumn("author_name", "text", (col) => col.notNull())
    .addColumn("body", "text", (col) => col.notNull())
    .addColumn("status", "text", (col) => col.notNull().check(sql`status in ('visible', 'pending', 'removed')`))
    .addColumn("created_at", "timestamptz", (col) => col.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex("chat_messages_room_idx").on("chat_messages").columns(["room_id", "id"]).execute();

  await db.schema
    .createTable("chat_moderation_queue")
    .addColumn("message_id", "bigint", (col) => col.primaryKey().references("chat_messages.id").onDelete("cascade"))
    .addColumn("reason", "text", (col) => col.notNull())
    .addColumn("queued_at", "timestamptz", (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn("decision", "text", (col) => col.check(sql`decision in ('approved', 'removed')`))
    .addColumn("decided_by", "uuid", (col) => col.references("users.id").onDelete("set null"))
    .addColumn("decided_at", "timestamptz")
    .execute();
  await db.schema
    .createIndex("chat_moderation_open_idx")
    .on("chat_moderation_queue")
    .column("message_id")
    .where(sql.ref("decision"), "is", null)
    .execute();

  await db.schema
    .createTable("chat_audit_log")
    .addColumn("id", "bigint", (col) => col.generatedAlwaysAsIdentity().primaryKey())
    .addColumn("occurred_at", "timestamptz", (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn("actor_id", "uuid", (col) => col.references("users.id").onDelete("set null"))
    .addColumn("room_id", "text", (col) => col.references("chat_rooms.id").onDelete("cascade"))
    .addColumn("action", "text", (col) => col.notNull())
    .addColumn("metadata", "jsonb", (col) => col.notNull().defaultTo(sql`'{}'::jsonb`))
    .execute();

  await db.schema
    .createTable("chat_rate_windows")
    .addColumn("key", "text", (col) => col.primaryKey())
    .addColumn("points", "integer", (col) => col.notNull().defaultTo(0))
    .addColumn("expire", "bigint")
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of [
    "chat_rate_windows",
    "chat_audit_log",
    "chat_moderation_queue",
    "chat_messages",
    "chat_memberships",
    "chat_rooms",
  ]) {
    await db.schema.dropTable(table).execute();
  }
}
