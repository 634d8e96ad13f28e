import { sql, type Kysely } from "kysely";

/**
 * One action log (issue 6, decision 0011): `audit_log` (auth events) and `chat_audit_log` (chat
 * joins, posts, moderation) become `action_logs`, with AxumKit's resource type and id. Every row
 * moves, in the order it happened; chat rows name their room as the resource. The actor has no
 * foreign key, on purpose: the log outlives accounts and must not forget who did something.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("action_logs")
    .addColumn("id", "bigint", (col) => col.generatedAlwaysAsIdentity().primaryKey())
    .addColumn("occurred_at", "timestamptz", (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn("actor_id", "uuid")
    .addColumn("action", "text", (col) => col.notNull())
    .addColumn("ip", "text")
    .addColumn("user_agent", "text")
    .addColumn("resource_type", "text")
    .addColumn("resource_id", "text")
    .addColumn("metadata", "jsonb", (col) => col.notNull().defaultTo(sql`'{}'::jsonb`))
    .addCheckConstraint("action_logs_resource_pair", sql`(resource_type is null) = (resource_id is null)`)
    .execute();

  await sql`
    insert into action_logs (occurred_at, actor_id, action, ip, user_agent, resource_type, resource_id, metadata)
    select occurred_at, actor_id, action, ip, user_agent, resource_type, resource_id, metadata from (
      select occurred_at, actor_id, action, ip, user_agent, null as resource_type, null as resource_id, metadata, 0 as source, id from audit_log
      union all
      select occurred_at, actor_id, action, null, null, case when room_id is null then null else 'chat_room' end, room_id, metadata, 1, id from chat_audit_log
    ) as moved
    order by occurred_at, source, id`.execute(db);

  // Every list walks by id (newest first), optionally narrowed by actor, action or resource.
  await db.schema.createIndex("action_logs_actor_idx").on("action_logs").columns(["actor_id", "id"]).execute();
  await db.schema.createIndex("action_logs_action_idx").on("action_logs").columns(["action", "id"]).execute();
  await db.schema
    .createIndex("action_logs_resource_idx")
    .on("action_logs")
    .columns(["resource_type", "resource_id", "id"])
    .execute();
  await db.schema.createIndex("action_logs_occurred_at_idx").on("action_logs").column("occurred_at").execute();

  await db.schema.dropTable("chat_audit_log").execute();
  await db.schema.dropTable("audit_log").execute();
}

/** Back to the two logs: chat actions to `chat_audit_log`, the rest to `audit_log`. */
export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("audit_log")
    .addColumn("id", "bigint", (col) => col.generatedAlwaysAsIdentity().primaryKey())
    .addColumn("occurred_at", "timestamptz", (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn("actor_id", "uuid")
    .addColumn("action", "text", (col) => col.notNull())
    .addColumn("ip", "text")
    .addColumn("user_agent", "text")
    .addColumn("metadata", "jsonb", (col) => col.notNull().defaultTo(sql`'{}'::jsonb`))
    .execute();
  await db.schema.createIndex("audit_log_occurred_at_idx").on("audit_log").column("occurred_at").execute();
  await db.schema
    .createIndex("audit_log_actor_idx")
    .on("audit_log")
    .columns(["actor_id", "occurred_at"])
    .where(sql.ref("actor_id"), "is not", null)
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

  await sql`
    insert into chat_audit_log (occurred_at, actor_id, room_id, action, metadata)
    select occurred_at, (select users.id from users where users.id = action_logs.actor_id),
      (select chat_rooms.id from chat_rooms where resource_type = 'chat_room' and chat_rooms.id = action_logs.resource_id), action, metadata
    from action_logs where action like 'chat.%' order by action_logs.id`.execute(db);
  await sql`
    insert into audit_log (occurred_at, actor_id, action, ip, user_agent, metadata)
    select occurred_at, actor_id, action, ip, user_agent, metadata from action_logs where action not like 'chat.%' order by id`.execute(
    db,
  );
  await db.schema.dropTable("action_logs").execute();
}
