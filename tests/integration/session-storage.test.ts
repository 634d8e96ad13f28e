import { randomBytes } from "node:crypto";
import { Kysely, PostgresDialect, sql } from "kysely";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "#app/models/database.server.ts";
import { createSessionRepository } from "#app/models/session-repository.server.ts";
import { createDurableSessionStorage } from "#app/sessions/session-storage.server.ts";
import { createTestDatabase, type TestDatabase } from "../support/database.ts";

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database.drop());

const secret = () => randomBytes(64).toString("base64url");
const storageOn = (db: Kysely<Database>, secrets: string[]) =>
  createDurableSessionStorage(createSessionRepository(db), {
    secrets,
    secure: false,
    absoluteLifetimeSecs: 30 * 24 * 3600,
  });
/** The cookie header a browser would send back for a Set-Cookie value. */
const cookieOf = (setCookie: string) => setCookie.split(";")[0] ?? "";

async function committed(storage: ReturnType<typeof storageOn>, data: Record<string, unknown>) {
  const header = cookieOf(await storage.startSession(data, {}));
  const id = (await storage.getSession(header)).id;
  return { header, id };
}

describe("durable sessions", () => {
  const secrets = [secret()];

  it("survive a restart: a new pool and storage read the same session", async () => {
    const { header } = await committed(storageOn(database.db, secrets), { userId: "u-1" });
    const restarted = new Kysely<Database>({
      dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: database.url }) }),
    });
    try {
      expect((await storageOn(restarted, secrets).getSession(header)).get("userId")).toBe("u-1");
    } finally {
      await restarted.destroy();
    }
  });

  it("slide: each use pushes the idle expiry forward, never past the absolute limit", async () => {
    const storage = storageOn(database.db, secrets);
    const { header, id } = await committed(storage, { userId: "u-2" });
    await sql`update sessions set expires_at = now() + interval '1 minute', absolute_expires_at = now() + interval '1 hour' where id = ${id}`.execute(
      database.db,
    );
    await storage.getSession(header);
    const row = await database.db.selectFrom("sessions").selectAll().where("id", "=", id).executeTakeFirstOrThrow();
    expect(row.expires_at.getTime()).toBe(row.absolute_expires_at.getTime()); // 7 days capped at 1 hour
  });

  it("refuse a session idle past its sliding expiry, and one past its absolute lifetime", async () => {
    const storage = storageOn(database.db, secrets);
    const idle = await committed(storage, { userId: "idle" });
    await sql`update sessions set expires_at = now() - interval '1 second' where id = ${idle.id}`.execute(database.db);
    expect((await storage.getSession(idle.header)).get("userId")).toBeUndefined();

    const old = await committed(storage, { userId: "old" });
    await sql`update sessions set absolute_expires_at = now() - interval '1 second' where id = ${old.id}`.execute(
      database.db,
    );
    const refused = await storage.getSession(old.header);
    expect(refused.get("userId")).toBeUndefined();
    expect(refused.id).toBe(""); // a fresh session: the dead id is never written again
  });

  it("purge expired rows and keep live ones", async () => {
    const repository = createSessionRepository(database.db);
    const storage = storageOn(database.db, secrets);
    const live = await committed(storage, { userId: "live" });
    const dead = await committed(storage, { userId: "dead" });
    await sql`update sessions set expires_at = now() - interval '1 second' where id = ${dead.id}`.execute(database.db);
    expect(await repository.purgeExpired()).toBeGreaterThanOrEqual(1);
    const ids = (await database.db.selectFrom("sessions").select("id").execute()).map((row) => row.id);
    expect(ids).toContain(live.id);
    expect(ids).not.toContain(dead.id);
  });

  it("refuse a tampered cookie", async () => {
    const storage = storageOn(database.db, secrets);
    const { header } = await committed(storage, { userId: "victim" });
    const [name, value = ""] = header.split("=");
    const flipped = value.slice(0, -2) + (value.at(-2) === "A" ? "B" : "A") + value.at(-1);
    expect((await storage.getSession(`${name}=${flipped}`)).get("userId")).toBeUndefined();
    const forged = `${name}=${Buffer.from(JSON.stringify("someone-elses-id")).toString("base64")}`;
    expect((await storage.getSession(forged)).get("userId")).toBeUndefined();
  });

  it("keep verifying cookies signed with an old secret after rotation, and sign with the new one", async () => {
    const [oldSecret, newSecret] = [secret(), secret()];
    const { header } = await committed(storageOn(database.db, [oldSecret]), { userId: "rotated" });
    const rotated = storageOn(database.db, [newSecret, oldSecret]);
    expect((await rotated.getSession(header)).get("userId")).toBe("rotated");
    const signedAfterRotation = await committed(rotated, { userId: "new" });
    expect((await storageOn(database.db, [newSecret]).getSession(signedAfterRotation.header)).get("userId")).toBe(
      "new",
    );
    expect((await storageOn(database.db, [newSecret]).getSession(header)).get("userId")).toBeUndefined();
  });

  it("give a sign-in a new session id, and record its device", async () => {
    const storage = storageOn(database.db, secrets);
    const before = await committed(storage, { flash: "hello" });
    const user = await database.db
      .insertInto("users")
      .values({ username: "sam", email: "sam@example.com", password_hash: "x" })
      .returning("id")
      .executeTakeFirstOrThrow();
    const after = cookieOf(
      await storage.startSession({ userId: user.id }, { userId: user.id, userAgent: "Test/1.0", ip: "127.0.0.1" }),
    );
    const session = await storage.getSession(after);
    expect(session.id).not.toBe(before.id);
    expect(session.get("userId")).toBe(user.id);
    const row = await database.db
      .selectFrom("sessions")
      .selectAll()
      .where("id", "=", session.id)
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({ user_id: user.id, user_agent: "Test/1.0", ip: "127.0.0.1" });
  });

  it("give a one-time entry (the welcome after sign-up) to one request only, however many ask at once", async () => {
    const storage = storageOn(database.db, secrets);
    const { header } = await committed(storage, { userId: "new", welcome: true });
    const requests = await Promise.all(Array.from({ length: 5 }, () => storage.getSession(header)));
    const taken = await Promise.all(requests.map((session) => storage.takeFlash(session, "welcome")));
    expect(taken.filter(Boolean)).toHaveLength(1);
    const later = await storage.getSession(header);
    expect(later.has("welcome")).toBe(false);
    expect(later.get("userId")).toBe("new");
    expect(await storage.takeFlash(later, "welcome")).toBe(false);
  });

  it("delete the row when the session is destroyed", async () => {
    const storage = storageOn(database.db, secrets);
    const { header, id } = await committed(storage, { userId: "bye" });
    await storage.destroySession(await storage.getSession(header));
    expect(
      await database.db.selectFrom("sessions").select("id").where("id", "=", id).executeTakeFirst(),
    ).toBeUndefined();
  });
});
