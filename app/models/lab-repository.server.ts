import { Kysely, PostgresDialect, sql } from "kysely";
import type pg from "pg";
import type { Database } from "./database.server.ts";
import type { CommandEvent } from "./lab.ts";
import {
  instanceChannel,
  LAB_TABS_CHANNEL,
  type InstanceId,
  type InstanceNotice,
  type RelayedTrace,
  type TabNotice,
} from "./lab-relay.ts";

/**
 * The lab's state across instances (migration 0012, docs/decisions/0024). The command demo's
 * statements run on the traced `db` (a visitor sees their command's SQL); the relay's own ones
 * (stream registry, trace batches) on an untraced Kysely over the same pool, since a statement
 * recorded while relaying traces would itself be a trace to relay.
 */
const notify = (channel: string, notice: TabNotice | InstanceNotice) =>
  sql`select pg_notify(${channel}, ${JSON.stringify(notice)})`;

export function createLabCommandRepository(db: Kysely<Database>) {
  return {
    countOf: async (visitorId: string): Promise<number> =>
      (await db.selectFrom("lab_counters").select("count").where("visitor_id", "=", visitorId).executeTakeFirst())
        ?.count ?? 0,

    /** `max(0, count + delta)` in one statement: concurrent commands on any instance never lose a step. */
    async step(visitorId: string, delta: number): Promise<number> {
      const row = await db
        .insertInto("lab_counters")
        .values({ visitor_id: visitorId, count: sql<number>`greatest(0, ${delta}::integer)` })
        .onConflict((conflict) =>
          conflict.column("visitor_id").doUpdateSet({
            count: sql<number>`greatest(0, lab_counters.count + ${delta}::integer)`,
            updated_at: sql<Date>`now()`,
          }),
        )
        .returning("count")
        .executeTakeFirstOrThrow();
      return row.count;
    },

    /**
     * Takes the next turn of `key`'s guarded queue: a slot of `slotMs` starting when the previous
     * slot ends (or now). Returns how long until it starts, on the database's clock (no connection
     * is held while a turn waits or works).
     */
    async reserveGuard(key: string, slotMs: number): Promise<{ startsInMs: number }> {
      const work = sql`make_interval(secs => ${slotMs / 1000}::double precision)`;
      const row = await db
        .insertInto("lab_commands")
        .values({ key, guard_until: sql<Date>`clock_timestamp() + ${work}` })
        .onConflict((conflict) =>
          conflict.column("key").doUpdateSet({
            guard_until: sql<Date>`greatest(clock_timestamp(), coalesce(lab_commands.guard_until, clock_timestamp())) + ${work}`,
            updated_at: sql<Date>`now()`,
          }),
        )
        .returning(sql<number>`extract(epoch from (guard_until - clock_timestamp())) * 1000`.as("ends_in_ms"))
        .executeTakeFirstOrThrow();
      return { startsInMs: Math.max(0, Number(row.ends_in_ms) - slotMs) };
    },

    /** Starts `key`'s next cancelable work: its generation, announced at commit to every instance (the one running the previous cancels it). */
    startCancelable: (key: string): Promise<number> =>
      db.transaction().execute(async (trx) => {
        const { generation } = await trx
          .insertInto("lab_commands")
          .values({ key, generation: 1 })
          .onConflict((conflict) =>
            conflict
              .column("key")
              .doUpdateSet({ generation: sql<number>`lab_commands.generation + 1`, updated_at: sql<Date>`now()` }),
          )
          .returning("generation")
          .executeTakeFirstOrThrow();
        await notify(LAB_TABS_CHANNEL, { kind: "cancel", key, generation }).execute(trx);
        return generation;
      }),

    /** Whether `generation` is still `key`'s newest cancelable work (a lost cancel notice is caught here). */
    isCurrent: async (key: string, generation: number): Promise<boolean> =>
      (await db.selectFrom("lab_commands").select("generation").where("key", "=", key).executeTakeFirst())
        ?.generation === generation,

    /** The instance holding `tab`'s stream, if any does. */
    instanceOf: async (tab: string): Promise<InstanceId | undefined> =>
      (await db.selectFrom("lab_streams").select("instance_id").where("tab_key", "=", tab).executeTakeFirst())
        ?.instance_id as InstanceId | undefined,

    /** A command event for a tab whose stream is on another instance. */
    async tell(instance: InstanceId, tab: string, event: CommandEvent): Promise<void> {
      await notify(instanceChannel(instance), { kind: "counter", tab, event }).execute(db);
    },
  };
}

export function createLabRelayRepository(pool: pg.Pool) {
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return {
    /** Records that `instance` holds `tab`'s stream and tells every instance, at commit. */
    opened: (instance: InstanceId, tab: string, visitor: string): Promise<void> =>
      db.transaction().execute(async (trx) => {
        await trx
          .insertInto("lab_streams")
          .values({ tab_key: tab, visitor_id: visitor, instance_id: instance })
          .onConflict((conflict) =>
            conflict
              .column("tab_key")
              .doUpdateSet({ visitor_id: visitor, instance_id: instance, opened_at: sql<Date>`now()` }),
          )
          .execute();
        await notify(LAB_TABS_CHANNEL, { kind: "opened", instance, tab, visitor }).execute(trx);
      }),

    /** `tab`'s stream on `instance` closed (a row another instance took over since is left alone). */
    closed: (instance: InstanceId, tab: string): Promise<void> =>
      db.transaction().execute(async (trx) => {
        await trx.deleteFrom("lab_streams").where("tab_key", "=", tab).where("instance_id", "=", instance).execute();
        await notify(LAB_TABS_CHANNEL, { kind: "closed", instance, tab }).execute(trx);
      }),

    /** Every lab stream and where it is (at start, and after a LISTEN reconnect missed notices). */
    all: async (): Promise<{ tab: string; visitor: string; instance: InstanceId }[]> =>
      (await db.selectFrom("lab_streams").select(["tab_key", "visitor_id", "instance_id"]).execute()).map((row) => ({
        tab: row.tab_key,
        visitor: row.visitor_id,
        instance: row.instance_id as InstanceId,
      })),

    /** One tick's traces for `instance`: stored, and its id notified, in one statement. */
    async send(instance: InstanceId, items: readonly RelayedTrace[]): Promise<void> {
      await sql`with batch as (insert into lab_trace_batches (items) values (${JSON.stringify(items)}::jsonb) returning id)
        select pg_notify(${instanceChannel(instance)}, json_build_object('kind', 'traces', 'batch', id::text)::text) from batch`.execute(
        db,
      );
    },

    /** Takes a batch (read once, then gone). */
    take: async (batch: string): Promise<unknown> =>
      (await db.deleteFrom("lab_trace_batches").where("id", "=", batch).returning("items").executeTakeFirst())?.items,

    /** At shutdown: this instance holds no stream any more. */
    async forget(instance: InstanceId): Promise<void> {
      await db.deleteFrom("lab_streams").where("instance_id", "=", instance).execute();
    },
  };
}

export type LabCommandRepository = ReturnType<typeof createLabCommandRepository>;
export type LabRelayRepository = ReturnType<typeof createLabRelayRepository>;

/**
 * Command state of tabs idle for a day and trace batches older than a minute (announced to an
 * instance that died before taking them); a visitor's counter is kept. Returns how many rows went.
 */
export async function purgeLabLeftovers(db: Kysely<Database>): Promise<number> {
  const commands = await db
    .deleteFrom("lab_commands")
    .where("updated_at", "<", sql<Date>`now() - interval '1 day'`)
    .executeTakeFirst();
  const batches = await db
    .deleteFrom("lab_trace_batches")
    .where("created_at", "<", sql<Date>`now() - interval '1 minute'`)
    .executeTakeFirst();
  return Number(commands.numDeletedRows) + Number(batches.numDeletedRows);
}
