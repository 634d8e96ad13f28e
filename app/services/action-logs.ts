import type { Kysely } from "kysely";
import type { Logger } from "pino";
import { inScope, scopeOf, type ActionLogEntry, type ActionLogFilter, type ActionLogId, type ActionLogScope, type ResourceRef } from "../models/action-log.ts";
import type { AuditAction } from "../models/action-log.ts";
import { createAuditRepository } from "../models/audit-repository.ts";
import type { Database } from "../models/database.ts";
import type { User } from "../models/user.ts";
import type { ChangeFeed } from "./realtime.ts";

/**
 * Reading the action log: a cursor-paginated listing, and a live stream of new entries. Admins
 * read every entry, everyone else only the actions they did themselves (`scopeOf`).
 */
export interface ActionLogView {
  readonly id: ActionLogId;
  readonly action: AuditAction;
  readonly actor: { readonly id: string; readonly username: string | null } | null;
  readonly ip: string | null;
  readonly userAgent: string | null;
  readonly resource: ResourceRef | null;
  readonly metadata: Record<string, unknown>;
  readonly occurredAt: string;
}

export function actionLogView(entry: ActionLogEntry): ActionLogView {
  return {
    id: entry.id,
    action: entry.action,
    actor: entry.actorId === null ? null : { id: entry.actorId, username: entry.actorName },
    ip: entry.ip,
    userAgent: entry.userAgent,
    resource: entry.resource,
    metadata: entry.metadata,
    occurredAt: entry.occurredAt.toISOString(),
  };
}

export interface ActionLogPage {
  readonly entries: ActionLogView[];
  /** Pass as `before` for the next (older) page; null on the last page. */
  readonly nextCursor: ActionLogId | null;
}

export function createActionLogService(db: Kysely<Database>) {
  const log = createAuditRepository(db);
  return {
    /** Newest first; the cursor is the id of the last entry shown, so arriving rows never shift a walk. */
    async list(viewer: User, filter: ActionLogFilter, page: { before?: ActionLogId; limit: number }): Promise<ActionLogPage> {
      const rows = await log.page(scopeOf(viewer), filter, page.limit + 1, page.before);
      const entries = rows.slice(0, page.limit);
      return { entries: entries.map(actionLogView), nextCursor: rows.length > page.limit ? (entries.at(-1)?.id ?? null) : null };
    },
  };
}

/** One frame of the action-log stream (`server/sse-stream.ts` writes it). */
export interface ActionLogFrame {
  /** `action`: a new entry (its `id:` is the entry id); `resync`: more was missed than is replayed, reload the list. */
  readonly event: "action" | "resync" | "ping";
  readonly data: string;
  readonly id?: string;
}

export interface ActionLogSubscriber {
  readonly viewer: User;
  /** False once the stream is gone (the hub then forgets it). Never throws. */
  deliver(frame: ActionLogFrame): boolean;
  close(reason: string): void;
}

/** At most this many missed entries are replayed to a reconnecting stream. */
export const MAX_ACTION_REPLAY = 500;
const HEARTBEAT_MS = 15_000;

/**
 * The live action log: each instance LISTENs for new entry ids (any instance writes them), then
 * reads everything after the newest id it has passed on and hands each local stream what its
 * viewer may see. Entries commit in id order (audit-repository.ts), so "after id N" misses nothing,
 * whether N comes from this hub or from a reconnecting client's Last-Event-ID.
 */
export function createActionLogHub({ db, feed, log }: { db: Kysely<Database>; feed: ChangeFeed; log: Logger }) {
  const entries = createAuditRepository(db);
  const subscribers = new Map<ActionLogSubscriber, { scope: ActionLogScope; lastId: bigint }>();
  /** The newest id passed on; undefined while no stream is open (then nothing is read at all). */
  let lastSeen: ActionLogId | undefined;
  let queue: Promise<void> = Promise.resolve();
  let catchUpScheduled = false;

  const enqueue = <T>(work: () => Promise<T>): Promise<T> => {
    const done = queue.then(work);
    queue = done.then(
      () => undefined,
      (error: unknown) => log.error({ err: error }, "action log hub step failed"),
    );
    return done;
  };

  /** Sends once per stream, in id order: an entry both replayed and announced goes out the first time only. */
  function pass(subscriber: ActionLogSubscriber, entry: ActionLogEntry, frame: ActionLogFrame): void {
    const state = subscribers.get(subscriber);
    if (!state || !inScope(entry, state.scope)) return;
    const id = BigInt(entry.id);
    if (id <= state.lastId) return;
    state.lastId = id;
    if (!subscriber.deliver(frame)) subscribers.delete(subscriber);
  }

  const frameOf = (entry: ActionLogEntry): ActionLogFrame => ({ event: "action", id: entry.id, data: JSON.stringify(actionLogView(entry)) });

  async function catchUp(): Promise<void> {
    if (subscribers.size === 0 || lastSeen === undefined) return;
    for (;;) {
      const page = await entries.since({ everyone: true }, lastSeen, MAX_ACTION_REPLAY);
      for (const entry of page) {
        // Serialised once, shared by every stream that may see it.
        const frame = frameOf(entry);
        for (const subscriber of [...subscribers.keys()]) pass(subscriber, entry, frame);
        lastSeen = entry.id;
      }
      if (page.length < MAX_ACTION_REPLAY) return;
    }
  }

  const scheduleCatchUp = () => {
    if (catchUpScheduled) return;
    catchUpScheduled = true;
    void enqueue(async () => {
      catchUpScheduled = false;
      await catchUp();
    });
  };
  // A notice only says "something new": what is new is read from the database, so a lost notice
  // (the LISTEN connection dropped) is made up for by the next one or by the resync.
  const stopListening = feed.listen({ changed: scheduleCatchUp, resync: scheduleCatchUp });
  const heartbeat = setInterval(() => {
    for (const subscriber of [...subscribers.keys()]) if (!subscriber.deliver({ event: "ping", data: "" })) subscribers.delete(subscriber);
  }, HEARTBEAT_MS);
  heartbeat.unref();

  return {
    /**
     * Adds a stream. With `after` (Last-Event-ID), first replays every entry after it the viewer may
     * see, in order (at most MAX_ACTION_REPLAY, then a `resync` frame). Returns the unsubscribe.
     */
    subscribe(subscriber: ActionLogSubscriber, after?: ActionLogId): Promise<() => void> {
      return enqueue(async () => {
        if (subscribers.size === 0) lastSeen = (await entries.latestId()) ?? ("0" as ActionLogId);
        const scope = scopeOf(subscriber.viewer);
        subscribers.set(subscriber, { scope, lastId: after === undefined ? BigInt(lastSeen ?? "0") : BigInt(after) });
        if (after !== undefined) {
          try {
            const missed = await entries.since(scope, after, MAX_ACTION_REPLAY + 1);
            for (const entry of missed.slice(0, MAX_ACTION_REPLAY)) pass(subscriber, entry, frameOf(entry));
            if (missed.length > MAX_ACTION_REPLAY) subscriber.deliver({ event: "resync", data: JSON.stringify({ reason: "more entries were missed than a reconnect replays" }) });
          } catch (error) {
            subscribers.delete(subscriber); // the stream is closed by its caller
            throw error;
          }
        }
        return () => void subscribers.delete(subscriber);
      });
    },

    /** How many action-log streams are open here. */
    subscriberCount: (): number => subscribers.size,

    /** Ends every stream (at shutdown: clients reconnect elsewhere with Last-Event-ID). */
    close(): void {
      clearInterval(heartbeat);
      stopListening();
      for (const subscriber of [...subscribers.keys()]) subscriber.close("server shutting down");
      subscribers.clear();
    },
  };
}

export type ActionLogService = ReturnType<typeof createActionLogService>;
export type ActionLogHub = ReturnType<typeof createActionLogHub>;
