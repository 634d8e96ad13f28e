import { randomBytes } from "node:crypto";
import { Kysely, PostgresDialect, sql } from "kysely";
import pg from "pg";
import { afterAll, beforeAll, beforeEach, expect, it } from "vitest";
import type { Database } from "../../app/models/database.ts";
import { advisoryLocks } from "../../app/models/advisory-lock.ts";
import { createMaintenanceService } from "../../app/services/maintenance.ts";
import { createTestDatabase, type TestDatabase } from "../support/database.ts";

/** The expiry purge (app/services/maintenance.ts) against a real database: what it deletes, and its advisory lock. */
let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database.drop());

const HOUR = 3600_000;
const at = (offsetMs: number) => new Date(Date.now() + offsetMs);

interface Seeded {
  readonly expiredSessions: string[];
  readonly liveSessions: string[];
  readonly expiredThrottles: string[];
  readonly liveThrottles: string[];
}

/** Expired and live rows of both kinds; the tables are emptied first. */
async function seed(): Promise<Seeded> {
  const { db } = database;
  await db.deleteFrom("sessions").execute();
  await db.deleteFrom("login_throttle").execute();
  const tag = randomBytes(3).toString("hex");
  const user = await db
    .insertInto("users")
    .values({ username: `purge_${tag}`, email: `purge_${tag}@example.com`, password_hash: "x" })
    .returning("id")
    .executeTakeFirstOrThrow();
  const sessions = {
    [`idle-${tag}`]: { expires_at: at(-1000), absolute_expires_at: at(HOUR), live: false }, // idle too long
    [`old-${tag}`]: { expires_at: at(HOUR), absolute_expires_at: at(-1000), live: false }, // past its absolute lifetime
    [`both-${tag}`]: { expires_at: at(-HOUR), absolute_expires_at: at(-HOUR), live: false },
    [`live-${tag}`]: { expires_at: at(HOUR), absolute_expires_at: at(2 * HOUR), live: true },
    [`guest-${tag}`]: { expires_at: at(60_000), absolute_expires_at: at(HOUR), live: true },
  };
  await db
    .insertInto("sessions")
    .values(
      Object.entries(sessions).map(([id, row]) => ({
        id,
        user_id: id.startsWith("guest") ? null : user.id,
        data: "{}",
        expires_at: row.expires_at,
        absolute_expires_at: row.absolute_expires_at,
      })),
    )
    .execute();
  const throttles = {
    [`ip:10.0.0.1-${tag}`]: { expire: Date.now() - 1000, live: false },
    [`account:gone-${tag}@example.com`]: { expire: Date.now() - 15 * 60_000, live: false },
    [`ip:10.0.0.2-${tag}`]: { expire: Date.now() + 15 * 60_000, live: true },
    [`account:kept-${tag}@example.com`]: { expire: Date.now() + 1000 * 60, live: true },
    [`ip:forever-${tag}`]: { expire: null, live: true }, // no expiry: never purged
  };
  await db
    .insertInto("login_throttle")
    .values(Object.entries(throttles).map(([key, row]) => ({ key, points: 3, expire: row.expire })))
    .execute();
  const split = <T extends { live: boolean }>(rows: Record<string, T>, live: boolean) => Object.keys(rows).filter((key) => rows[key]?.live === live);
  return {
    expiredSessions: split(sessions, false),
    liveSessions: split(sessions, true),
    expiredThrottles: split(throttles, false),
    liveThrottles: split(throttles, true),
  };
}

const remaining = async () => ({
  sessions: (await database.db.selectFrom("sessions").select("id").orderBy("id").execute()).map((row) => row.id),
  throttles: (await database.db.selectFrom("login_throttle").select("key").orderBy("key").execute()).map((row) => row.key),
});

let seeded: Seeded;
beforeEach(async () => {
  seeded = await seed();
});

it("deletes expired sessions and throttle counters, keeps live ones, and reports the counts", async () => {
  const outcome = await createMaintenanceService(database.db).purgeExpired();
  expect(outcome).toEqual({ ran: true, sessions: seeded.expiredSessions.length, throttles: seeded.expiredThrottles.length });
  expect(await remaining()).toEqual({ sessions: [...seeded.liveSessions].sort(), throttles: [...seeded.liveThrottles].sort() });
  expect(await createMaintenanceService(database.db).purgeExpired()).toEqual({ ran: true, sessions: 0, throttles: 0 });
});

it("runs on one instance at a time: two concurrent purges never fail and never double-count", async () => {
  // Two "instances": separate pools, as two processes would have.
  const instances = [0, 1].map(() => new Kysely<Database>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: database.url, max: 2 }) }) }));
  try {
    const outcomes = await Promise.all(instances.map((db) => createMaintenanceService(db).purgeExpired()));
    const ran = outcomes.filter((outcome) => outcome.ran);
    expect(ran.length).toBeGreaterThanOrEqual(1);
    for (const outcome of outcomes) expect(outcome.ran ? Object.keys(outcome).sort() : outcome).toEqual(outcome.ran ? ["ran", "sessions", "throttles"] : { ran: false });
    // Either one ran and the other skipped, or the lock was free again for the second: the totals are the same.
    const total = (kind: "sessions" | "throttles") => ran.reduce((sum, outcome) => sum + (outcome.ran ? outcome[kind] : 0), 0);
    expect({ sessions: total("sessions"), throttles: total("throttles") }).toEqual({
      sessions: seeded.expiredSessions.length,
      throttles: seeded.expiredThrottles.length,
    });
    if (ran.length === 2) expect(ran.some((outcome) => outcome.ran && outcome.sessions === 0 && outcome.throttles === 0)).toBe(true);
    expect(await remaining()).toEqual({ sessions: [...seeded.liveSessions].sort(), throttles: [...seeded.liveThrottles].sort() });
  } finally {
    await Promise.all(instances.map((db) => db.destroy()));
  }
});

it("skips (ran: false, nothing deleted) while another instance holds the lock, and runs once it is released", async () => {
  const holder = new pg.Client({ connectionString: database.url });
  await holder.connect();
  try {
    await holder.query("BEGIN");
    await holder.query("SELECT pg_advisory_xact_lock($1)", [advisoryLocks.expiryPurge]);
    const skipped = await createMaintenanceService(database.db).purgeExpired();
    expect(skipped).toEqual({ ran: false });
    const untouched = await remaining();
    expect(untouched.sessions).toHaveLength(seeded.expiredSessions.length + seeded.liveSessions.length);
    expect(untouched.throttles).toHaveLength(seeded.expiredThrottles.length + seeded.liveThrottles.length);
    await holder.query("COMMIT"); // releases the transaction-level lock
    expect(await createMaintenanceService(database.db).purgeExpired()).toEqual({
      ran: true,
      sessions: seeded.expiredSessions.length,
      throttles: seeded.expiredThrottles.length,
    });
  } finally {
    await holder.end();
  }
});

it("releases its lock when the transaction ends, also after a failure", async () => {
  expect((await createMaintenanceService(database.db).purgeExpired()).ran).toBe(true);
  const { rows } = await sql<{ count: string }>`select count(*) from pg_locks where locktype = 'advisory' and objid = ${advisoryLocks.expiryPurge}`.execute(database.db);
  expect(rows[0]?.count).toBe("0");
  // A purge that fails midway (the table is locked against it and the statement times out) leaves no lock behind.
  const blocker = new pg.Client({ connectionString: database.url });
  await blocker.connect();
  const impatient = new Kysely<Database>({
    dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: database.url, max: 1, options: "-c lock_timeout=200" }) }),
  });
  try {
    await blocker.query("BEGIN");
    await blocker.query("LOCK TABLE sessions IN ACCESS EXCLUSIVE MODE");
    await expect(createMaintenanceService(impatient).purgeExpired()).rejects.toThrow(/lock timeout/);
    await blocker.query("ROLLBACK");
    expect((await createMaintenanceService(database.db).purgeExpired()).ran).toBe(true);
  } finally {
    await impatient.destroy();
    await blocker.end();
  }
});
