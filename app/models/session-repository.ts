import { randomBytes } from "node:crypto";
import { sql, type Kysely } from "kysely";
import type { Database } from "./database.ts";

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
      await db.updateTable("sessions").set({ data: JSON.stringify(data) }).where("id", "=", id).execute();
    },

    async delete(id: string): Promise<void> {
      await db.deleteFrom("sessions").where("id", "=", id).execute();
    },

    /** Removes every expired row; returns how many. Safe to run from several instances at once. */
    async purgeExpired(): Promise<number> {
      const result = await db
        .deleteFrom("sessions")
        .where((eb) => eb.or([eb("expires_at", "<=", sql<Date>`now()`), eb("absolute_expires_at", "<=", sql<Date>`now()`)]))
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}

export type SessionRepository = ReturnType<typeof createSessionRepository>;
