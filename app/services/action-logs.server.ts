import type { Kysely } from "kysely";
import type { Logger } from "pino";
import {
  actionLogView,
  inScope,
  scopeOf,
  type ActionLogEntry,
  type ActionLogFilter,
  type ActionLogId,
  type ActionLogScope,
  type ActionLogView,
} from "#app/models/action-log.ts";
import { createAuditRepository } from "#app/models/audit-repository.server.ts";
import type { Database } from "#app/models/database.server.ts";
import type { User } from "#app/models/user.ts";
import { frame, LIVE_FEED, type ChangeFeed, type StreamSink } from "#app/models/live-feed.ts";
import { createLiveFeed, type FeedBudget } from "./live-feed.server.ts";

/**
 * Reading the action log: a cursor-paginated listing, and a live stream of new entries. Admins
 * read every entry, everyone else only the actions they did themselves (`scopeOf`).
 */
export interface ActionLogPage {
  readonly entries: ActionLogView[];
  /** Pass as `before` for the next (older) page; null on the last page. */
  readonly nextCursor: ActionLogId | null;
}

export function createActionLogService(db: Kysely<Database>) {
  const log = createAuditRepository(db);
  return {
    /** Newest first; the cursor is the id of the last entry shown, so arriving rows never shift a walk. */
    async list(
      viewer: User,
      filter: ActionLogFilter,
      page: { before?: ActionLogId; limit: number },
    ): Promise<ActionLogPage> {
      const rows = await log.page(scopeOf(viewer), filter, page.limit + 1, page.before);
      const entries = rows.slice(0, page.limit);
      return {
        entries: entries.map(actionLogView),
        nextCursor: rows.length > page.limit ? (entries.at(-1)?.id ?? null) : null,
      };
    },
  };
}

/** Whose action-log stream it is: what that viewer may see (admins all, everyone else their own). */
export interface ActionLogViewer {
  readonly scope: ActionLogScope;
}

const everyone = "all";

/**
 * The live action log over the live-feed hub (docs/decisions/0011, 0023): each instance LISTENs for
 * new entry ids (any instance writes them), then reads everything after the newest id it has passed
 * on and hands each local stream what its viewer may see (`event: action`, `id:` = entry id).
 * Entries commit in id order (audit-repository.ts), so "after id N" misses nothing, whether N comes
 * from this hub or from a reconnecting client's Last-Event-ID.
 */
export function createActionLogHub({
  db,
  feed,
  log,
  budget,
}: {
  db: Kysely<Database>;
  feed: ChangeFeed;
  log: Logger;
  budget?: FeedBudget;
}) {
  const entries = createAuditRepository(db);
  /** The newest id passed on; undefined while no stream is open (then nothing is read at all). */
  let lastSeen: ActionLogId | undefined;
  let catchUpScheduled = false;

  const hub = createLiveFeed<ActionLogViewer, ActionLogEntry>({
    adapter: {
      missed: (viewer, after, limit) => entries.since(viewer.scope, after as ActionLogId, limit),
      audience: (viewer, entry) => (inScope(entry, viewer.scope) ? everyone : undefined),
      // Serialised once, shared by every stream that may see it.
      frame: (entry) => frame("action", JSON.stringify(actionLogView(entry)), entry.id),
      resync: frame("resync", JSON.stringify({ reason: "more entries were missed than a reconnect replays" })),
      // The first stream starts the reading where the log stands (while none is open nothing is read).
      async joined() {
        if (lastSeen !== undefined) return;
        const latest = (await entries.latestId()) ?? ("0" as ActionLogId);
        lastSeen ??= latest;
      },
    },
    log,
    budget,
    left: () => {
      if (hub.size() === 0) lastSeen = undefined;
    },
  });

  async function catchUp(): Promise<void> {
    for (;;) {
      if (hub.size() === 0 || lastSeen === undefined) return;
      const page = await entries.since({ everyone: true }, lastSeen, LIVE_FEED.maxReplay);
      for (const entry of page) {
        hub.publish(everyone, entry);
        lastSeen = entry.id;
      }
      if (page.length < LIVE_FEED.maxReplay) return;
    }
  }

  // A notice only says "something new": what is new is read from the database, so a lost notice
  // (the LISTEN connection dropped) is made up for by the next one or by the resync.
  const scheduleCatchUp = () => {
    if (catchUpScheduled) return;
    catchUpScheduled = true;
    hub.enqueue(async () => {
      catchUpScheduled = false;
      await catchUp();
    });
  };
  const stopListening = feed.listen({ changed: scheduleCatchUp, resync: scheduleCatchUp });

  return {
    /**
     * Opens a stream for `viewer`. With `after` (Last-Event-ID), it first gets every entry after it
     * the viewer may see, in order (at most LIVE_FEED.maxReplay, then a `resync` frame). Returns
     * what forgets the stream.
     */
    subscribe(viewer: User, sink: StreamSink, after?: ActionLogId): () => void {
      const stream = hub.subscribe({ topic: everyone, viewer: { scope: scopeOf(viewer) } }, sink, after);
      return () => hub.unsubscribe(stream);
    },

    /** How many action-log streams are open here. */
    subscriberCount: hub.size,

    indexSizes: hub.indexSizes,

    /** Ends every stream (at shutdown: clients reconnect elsewhere with Last-Event-ID). */
    close(): void {
      stopListening();
      hub.close();
    },
  };
}

export type ActionLogService = ReturnType<typeof createActionLogService>;
export type ActionLogHub = ReturnType<typeof createActionLogHub>;
