import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, beforeEach, expect, it } from "vitest";
import { createMaintenanceService } from "#app/services/maintenance.server.ts";
import { createTestDatabase, type TestDatabase } from "../support/database.ts";
import { startServer } from "../support/server.ts";

/**
 * The housekeeping purges the cron jobs run (app/services/maintenance.server.ts, scheduled by
 * server/jobs/crontab.ts) against a real database: each deletes exactly the expired rows.
 */
let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database.drop());

const HOUR = 3600_000;
const DAY = 24 * HOUR;
const at = (offsetMs: number) => new Date(Date.now() + offsetMs);
const RETENTION_DAYS = 30;
const maintenance = () => createMaintenanceService(database.db, { auditRetentionDays: RETENTION_DAYS });

/** Splits seeded rows into the keys expected to go and to stay. */
const split = <T extends { live: boolean }>(rows: Record<string, T>) => ({
  expired: Object.keys(rows).filter((key) => !rows[key]?.live),
  live: Object.keys(rows)
    .filter((key) => rows[key]?.live)
    .sort(),
});

let tag: string;
let userId: string;
beforeEach(async () => {
  const { db } = database;
  for (const table of ["sessions", "login_throttle", "chat_rate_windows", "action_logs"] as const)
    await db.deleteFrom(table).execute();
  tag = randomBytes(3).toString("hex");
  userId = (
    await db
      .insertInto("users")
      .values({ username: `purge_${tag}`, email: `purge_${tag}@example.com`, password_hash: "x" })
      .returning("id")
      .executeTakeFirstOrThrow()
  ).id;
});

it("purges sessions past their idle or absolute expiry, and only those", async () => {
  const sessions = {
    [`idle-${tag}`]: { expires_at: at(-1000), absolute_expires_at: at(HOUR), live: false }, // idle too long
    [`old-${tag}`]: { expires_at: at(HOUR), absolute_expires_at: at(-1000), live: false }, // past its absolute lifetime
    [`both-${tag}`]: { expires_at: at(-HOUR), absolute_expires_at: at(-HOUR), live: false },
    [`live-${tag}`]: { expires_at: at(HOUR), absolute_expires_at: at(2 * HOUR), live: true },
    [`guest-${tag}`]: { expires_at: at(60_000), absolute_expires_at: at(HOUR), live: true },
  };
  await database.db
    .insertInto("sessions")
    .values(
      Object.entries(sessions).map(([id, row]) => ({
        id,
        user_id: id.startsWith("guest") ? null : userId,
        data: "{}",
        expires_at: row.expires_at,
        absolute_expires_at: row.absolute_expires_at,
      })),
    )
    .execute();
  const { expired, live } = split(sessions);
  expect(await maintenance().purgeSessions()).toBe(expired.length);
  expect((await database.db.selectFrom("sessions").select("id").orderBy("id").execute()).map((row) => row.id)).toEqual(
    live,
  );
  expect(await maintenance().purgeSessions()).toBe(0);
});

it(
  "purges expired sessions every SESSION_CLEANUP_INTERVAL_SECS once a worker runs (a job that schedules its successor)",
  { timeout: 60_000 },
  async () => {
    const server = await startServer({
      DATABASE_URL: database.url,
      WORKER: "inline",
      SESSION_CLEANUP_INTERVAL_SECS: "1",
    });
    try {
      const expiredRow = (id: string) => ({
        id,
        user_id: userId,
        data: "{}",
        expires_at: at(-1000),
        absolute_expires_at: at(HOUR),
      });
      await database.db
        .insertInto("sessions")
        .values([expiredRow(`first-${tag}`), { ...expiredRow(`live-${tag}`), expires_at: at(HOUR) }])
        .execute();
      const ids = async () =>
        (await database.db.selectFrom("sessions").select("id").orderBy("id").execute()).map((row) => row.id);
      await expect.poll(ids, { timeout: 10_000, interval: 200 }).toEqual([`live-${tag}`]);
      // And again: the purge scheduled the next one, one second later.
      await database.db
        .insertInto("sessions")
        .values(expiredRow(`second-${tag}`))
        .execute();
      await expect.poll(ids, { timeout: 10_000, interval: 200 }).toEqual([`live-${tag}`]);
      expect(
        server.logs().filter((line) => line.msg === "expired rows purged" && line.purge === "sessions").length,
      ).toBeGreaterThanOrEqual(2);
    } finally {
      await server.stop();
    }
  },
);

it("purges expired rate-limit windows of sign-in and chat, and only those", async () => {
  const windows = {
    [`ip:10.0.0.1-${tag}`]: { expire: Date.now() - 1000, live: false },
    [`account:gone-${tag}@example.com`]: { expire: Date.now() - 15 * 60_000, live: false },
    [`ip:10.0.0.2-${tag}`]: { expire: Date.now() + 15 * 60_000, live: true },
    [`ip:forever-${tag}`]: { expire: null, live: true }, // no expiry: never purged
  };
  const chatWindows = {
    [`chat:old-${tag}`]: { expire: Date.now() - 1, live: false },
    [`chat:now-${tag}`]: { expire: Date.now() + 10_000, live: true },
  };
  await database.db
    .insertInto("login_throttle")
    .values(Object.entries(windows).map(([key, row]) => ({ key, points: 3, expire: row.expire })))
    .execute();
  await database.db
    .insertInto("chat_rate_windows")
    .values(Object.entries(chatWindows).map(([key, row]) => ({ key, points: 5, expire: row.expire })))
    .execute();
  expect(await maintenance().purgeRateLimits()).toBe(split(windows).expired.length + split(chatWindows).expired.length);
  expect(
    (await database.db.selectFrom("login_throttle").select("key").orderBy("key").execute()).map((row) => row.key),
  ).toEqual(split(windows).live);
  expect(
    (await database.db.selectFrom("chat_rate_windows").select("key").orderBy("key").execute()).map((row) => row.key),
  ).toEqual(split(chatWindows).live);
  expect(await maintenance().purgeRateLimits()).toBe(0);
});

it("purges action-log entries (accounts and chat) older than AUDIT_RETENTION_DAYS, and only those", async () => {
  const entries = {
    [`ancient-${tag}`]: { occurred_at: at(-400 * DAY), live: false },
    [`just-past-${tag}`]: { occurred_at: at(-RETENTION_DAYS * DAY - 60_000), live: false },
    [`just-inside-${tag}`]: { occurred_at: at(-RETENTION_DAYS * DAY + 60_000), live: true },
    [`today-${tag}`]: { occurred_at: at(0), live: true },
  };
  for (const action of ["auth.login", "chat.post"]) {
    await database.db
      .insertInto("action_logs")
      .values(
        Object.entries(entries).map(([label, row]) => ({
          actor_id: userId,
          action,
          occurred_at: row.occurred_at,
          metadata: JSON.stringify({ label }),
        })),
      )
      .execute();
  }
  const { expired, live } = split(entries);
  expect(await maintenance().purgeAudit()).toBe(2 * expired.length);
  const labels = async (action: string) =>
    (await database.db.selectFrom("action_logs").select("metadata").where("action", "=", action).execute())
      .map((row) => String(row.metadata.label))
      .sort();
  expect(await labels("auth.login")).toEqual(live);
  expect(await labels("chat.post")).toEqual(live);
  expect(await maintenance().purgeAudit()).toBe(0);
});

it("purges the lab's command state idle for a day and trace batches no instance took within a minute, and keeps counters", async () => {
  const { db } = database;
  await db
    .insertInto("lab_commands")
    .values([
      { key: `idle-${tag}`, updated_at: at(-DAY - HOUR) },
      { key: `live-${tag}`, updated_at: at(-HOUR) },
    ])
    .execute();
  await db
    .insertInto("lab_trace_batches")
    .values([{ items: JSON.stringify([]), created_at: at(-120_000) }, { items: JSON.stringify([]) }])
    .execute();
  await db
    .insertInto("lab_counters")
    .values({ visitor_id: `counter-${tag}`, count: 3, updated_at: at(-365 * DAY) })
    .execute();
  expect(await maintenance().purgeLab()).toBe(2);
  expect(
    (await db.selectFrom("lab_commands").select("key").where("key", "like", `%-${tag}`).execute()).map(
      (row) => row.key,
    ),
  ).toEqual([`live-${tag}`]);
  expect(await db.selectFrom("lab_trace_batches").select("id").execute()).toHaveLength(1);
  expect(
    await db.selectFrom("lab_counters").select("count").where("visitor_id", "=", `counter-${tag}`).executeTakeFirst(),
  ).toEqual({ count: 3 });
});
