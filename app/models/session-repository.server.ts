import { createHash, randomBytes } from "node:crypto";
import { sql, type Kysely } from "kysely";
import type { Database } from "./database.server.ts";

/**
 * Session rows. A session slides: every use pushes `expires_at` to now + idle lifetime, but never
 * past `absolute_expires_at`, which is fixed when the session is created.
 */
export interface SessionLifetimes {
  readonly idleMs: number;
  readonly absoluteMs: number;
}

export const defaultLifetimes: SessionLifetimes = { idleMs: 7 * 24 * 3600_000, absoluteMs: 30 * 24 * 3600_000 };

export type SessionData = Record<string, unknown>;

/** Who a session belongs to and the device it was started from (shown on /account). */
export interface SessionMeta {
  readonly userId?: string;
  readonly userAgent?: string;
  readonly ip?: string;
}

/** A live session as its owner sees it on /account. The id itself never leaves this module. */
export interface SessionSummary {
  /** A stable public name for the session (a hash of its id), used to revoke it. */
  readonly handle: string;
  readonly createdAt: Date;
  readonly lastSeenAt: Date;
  readonly userAgent: string | null;
  readonly ip: string | null;
}

/** Session ids are bearer secrets, so pages and forms only ever see this one-way handle. */
export function sessionHandle(id: string): string {
  return createHash("sha256").update(id).digest("base64url").slice(0, 22);
}

export function createSessionRepository(db: Kysely<Database>, lifetimes: SessionLifetimes = defaultLifetimes) {
  const idle = sql<Date>`now() + ${`${lifetimes.idleMs} milliseconds`}::interval`;
  const absolute = sql<Date>`now() + ${`${lifetimes.absoluteMs} milliseconds`}::interval`;
  return {
    async create(data: SessionData, meta: SessionMeta): Promise<string> {
      // 256 bits from the CSPRNG, so ids cannot be guessed.
      const id = randomBytes(32).toString("base64url");
      await db
        .insertInto("sessions")
        .values({
          id,
          user_id: meta.userId ?? null,
          data: JSON.stringify(data),
          user_agent: meta.userAgent?.slice(0, 512) ?? null,
          ip: meta.ip ?? null,
          expires_at: sql<Date>`least(${idle}, ${absolute})`,
          absolute_expires_at: absolute,
        })
        .execute();
      return id;
    },

    /** The data of a live session, touching it (sliding expiry); undefined once expired or deleted. */
    async readAndTouch(id: string): Promise<SessionData | undefined> {
      const row = await db
        .updateTable("sessions")
        .set({ last_seen_at: sql`now()`, expires_at: sql<Date>`least(${idle}, absolute_expires_at)` })
        .where("id", "=", id)
        .where("expires_at", ">", sql<Date>`now()`)
        .where("absolute_expires_at", ">", sql<Date>`now()`)
        .returning("data")
        .executeTakeFirst();
      return row?.data;
    },

    async update(id: string, data: SessionData): Promise<void> {
      await db
        .updateTable("sessions")
        .set({ data: JSON.stringify(data) })
        .where("id", "=", id)
        .execute();
    },

    /**
     * Removes a one-time entry (a flash) from the session's data in one statement: true for the one
     * request that removed it, false for every other (concurrent requests never both see it).
     */
    async takeFlash(id: string, key: string): Promise<boolean> {
      const row = await db
        .updateTable("sessions")
        .set({ data: sql`data - ${key}::text` })
        .where("id", "=", id)
        .where(sql<boolean>`jsonb_exists(data, ${key}::text)`)
        .returning("id")
        .executeTakeFirst();
      return row !== undefined;
    },

    async delete(id: string): Promise<void> {
      await db.deleteFrom("sessions").where("id", "=", id).execute();
    },

    /** The user's live sessions, most recently used first. */
    async listForUser(userId: string): Promise<SessionSummary[]> {
      const rows = await db
        .selectFrom("sessions")
        .select(["id", "created_at", "last_seen_at", "user_agent", "ip"])
        .where("user_id", "=", userId)
        .where("expires_at", ">", sql<Date>`now()`)
        .where("absolute_expires_at", ">", sql<Date>`now()`)
        .orderBy("last_seen_at", "desc")
        .execute();
      return rows.map((row) => ({
        handle: sessionHandle(row.id),
        createdAt: row.created_at,
        lastSeenAt: row.last_seen_at,
        userAgent: row.user_agent,
        ip: row.ip,
      }));
    },

    /** Deletes the user's session with this handle; false if the user has none such. */
    async deleteByHandle(userId: string, handle: string): Promise<boolean> {
      const ids = await db.selectFrom("sessions").select("id").where("user_id", "=", userId).execute();
      const match = ids.find((row) => sessionHandle(row.id) === handle);
      if (!match) return false;
      const result = await db
        .deleteFrom("sessions")
        .where("id", "=", match.id)
        .where("user_id", "=", userId)
        .executeTakeFirst();
      return result.numDeletedRows > 0n;
    },

    /** Deletes every session of the user except `keepId`; returns how many ended. */
    async deleteOthers(userId: string, keepId: string): Promise<number> {
      const result = await db
        .deleteFrom("sessions")
        .where("user_id", "=", userId)
        .where("id", "!=", keepId)
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },

    /** Deletes every session of the user (a password reset); returns how many ended. */
    async deleteAllForUser(userId: string): Promise<number> {
      const result = await db.deleteFrom("sessions").where("user_id", "=", userId).executeTakeFirst();
      return Number(result.numDeletedRows);
    },

    /** Removes every expired row; returns how many. Safe to run from several instances at once. */
    async purgeExpired(): Promise<number> {
      const result = await db
        .deleteFrom("sessions")
        .where((eb) =>
          eb.or([eb("expires_at", "<=", sql<Date>`now()`), eb("absolute_expires_at", "<=", sql<Date>`now()`)]),
        )
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}

export type SessionRepository = ReturnType<typeof createSessionRepository>;
