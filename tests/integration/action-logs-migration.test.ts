import { Migrator, sql, type Kysely } from "kysely";
import { afterAll, beforeAll, expect, it } from "vitest";
import { migrations } from "#db/migrations/index.ts";
import { createTestDatabase, type TestDatabase } from "../support/database.ts";

/** Migration 0005 moves both old logs into action_logs without losing a field, and back again. */
let database: TestDatabase;
let db: Kysely<unknown>;
const migrator = () => new Migrator({ db, provider: { getMigrations: async () => migrations } });

beforeAll(async () => {
  database = await createTestDatabase({ migrate: false });
  db = database.db as Kysely<unknown>;
  expect((await migrator().migrateTo("0004_chat")).error).toBeUndefined();
});
afterAll(() => database.drop());

const USER = "6f1d8a36-4a7e-4d5b-9a55-0c7e0c1f6a01";

it("moves audit_log and chat_audit_log into action_logs in the order things happened, and back on down", async () => {
  await sql`insert into users (id, username, email, password_hash) values (${USER}, 'mover', 'mover@example.com', 'x')`.execute(
    db,
  );
  await sql`insert into audit_log (occurred_at, actor_id, action, ip, user_agent, metadata) values
    ('2026-01-01T10:00:00Z', ${USER}, 'auth.register', '10.0.0.1', 'agent/1', '{}'),
    ('2026-01-01T10:02:00Z', null, 'auth.login_failed', '10.0.0.2', null, '{"email":"x@example.com"}')`.execute(db);
  await sql`insert into chat_audit_log (occurred_at, actor_id, room_id, action, metadata) values
    ('2026-01-01T10:01:00Z', ${USER}, 'lobby', 'chat.join', '{}'),
    ('2026-01-01T10:03:00Z', ${USER}, 'lobby', 'chat.post', '{"messageId":"7","status":"visible"}')`.execute(db);

  expect((await migrator().migrateTo("0005_action_logs")).error).toBeUndefined();
  const { rows } = await sql<
    Record<string, unknown>
  >`select occurred_at, actor_id, action, ip, user_agent, resource_type, resource_id, metadata from action_logs order by id`.execute(
    db,
  );
  expect(rows.map((row) => ({ ...row, occurred_at: (row.occurred_at as Date).toISOString() }))).toEqual([
    {
      occurred_at: "2026-01-01T10:00:00.000Z",
      actor_id: USER,
      action: "auth.register",
      ip: "10.0.0.1",
      user_agent: "agent/1",
      resource_type: null,
      resource_id: null,
      metadata: {},
    },
    {
      occurred_at: "2026-01-01T10:01:00.000Z",
      actor_id: USER,
      action: "chat.join",
      ip: null,
      user_agent: null,
      resource_type: "chat_room",
      resource_id: "lobby",
      metadata: {},
    },
    {
      occurred_at: "2026-01-01T10:02:00.000Z",
      actor_id: null,
      action: "auth.login_failed",
      ip: "10.0.0.2",
      user_agent: null,
      resource_type: null,
      resource_id: null,
      metadata: { email: "x@example.com" },
    },
    {
      occurred_at: "2026-01-01T10:03:00.000Z",
      actor_id: USER,
      action: "chat.post",
      ip: null,
      user_agent: null,
      resource_type: "chat_room",
      resource_id: "lobby",
      metadata: { messageId: "7", status: "visible" },
    },
  ]);
  const { rows: tables } = await sql<{
    name: string;
  }>`select table_name as name from information_schema.tables where table_name in ('audit_log', 'chat_audit_log')`.execute(
    db,
  );
  expect(tables).toEqual([]);

  expect((await migrator().migrateTo("0004_chat")).error).toBeUndefined();
  const { rows: auth } = await sql<
    Record<string, unknown>
  >`select actor_id, action, ip, user_agent, metadata from audit_log order by occurred_at`.execute(db);
  expect(auth).toEqual([
    { actor_id: USER, action: "auth.register", ip: "10.0.0.1", user_agent: "agent/1", metadata: {} },
    {
      actor_id: null,
      action: "auth.login_failed",
      ip: "10.0.0.2",
      user_agent: null,
      metadata: { email: "x@example.com" },
    },
  ]);
  const { rows: chat } = await sql<
    Record<string, unknown>
  >`select actor_id, room_id, action, metadata from chat_audit_log order by occurred_at`.execute(db);
  expect(chat).toEqual([
    { actor_id: USER, room_id: "lobby", action: "chat.join", metadata: {} },
    { actor_id: USER, room_id: "lobby", action: "chat.post", metadata: { messageId: "7", status: "visible" } },
  ]);
});
