import type { Logger } from "pino";
import {
  canSee,
  viewOf,
  type ChatMessage,
  type ChatStreamEvent,
  type MessageId,
  type RoomId,
} from "#app/models/chat.ts";
import type { ChatChange, ChatRepository } from "#app/models/chat-repository.server.ts";
import { frame, LIVE_FEED, type ChangeFeed, type Frame } from "#app/models/live-feed.ts";
import type { FeedAdapter, LiveFeed } from "./live-feed.server.ts";
import type { Tracer } from "./trace.server.ts";

/**
 * The chat over the live-feed hub (docs/decisions/0005, 0023): a change reaches this process as a
 * message id (LISTEN/NOTIFY, from any instance), the message is loaded once, and each stream of its
 * room gets what its viewer may see, one frame per audience (the author, everyone else). Only new
 * messages carry an id, so a reconnect's Last-Event-ID is the last message received.
 */

/** Whose chat a stream shows: its room, and its signed-in viewer (null for guests). */
export interface ChatViewer {
  readonly roomId: RoomId;
  readonly viewerId: string | null;
}

/** A change as the hub passes it on. */
export interface ChatEntry {
  readonly message: ChatMessage;
  readonly change: ChatChange;
}

const chatFrame = (event: ChatStreamEvent, id?: MessageId): Frame => frame("chat", JSON.stringify(event), id);
const isRemoval = ({ message, change }: ChatEntry) => change === "removed" || message.status === "removed";

export function createChatFeed({ chat, tracer, log }: { chat: ChatRepository; tracer: Tracer; log: Logger }) {
  /** Per room, the newest message id seen; after a listener reconnect, everything newer is replayed. */
  const lastSeen = new Map<RoomId, MessageId>();
  const noteSeen = (roomId: RoomId, id: MessageId) => {
    if (BigInt(id) > BigInt(lastSeen.get(roomId) ?? "0")) lastSeen.set(roomId, id);
  };

  const adapter: FeedAdapter<ChatViewer, ChatEntry> = {
    async missed(viewer, after, limit) {
      const messages = await chat.since(viewer.roomId, { viewerId: viewer.viewerId }, after as MessageId, limit);
      return messages.map((message) => ({ message, change: "posted" as const }));
    },
    audience(viewer, entry) {
      if (isRemoval(entry)) return "everyone";
      if (!canSee(entry.message, viewer.viewerId)) return undefined;
      return viewer.viewerId !== null && viewer.viewerId === entry.message.authorId ? "author" : "others";
    },
    frame(entry, viewer) {
      const { message, change } = entry;
      if (isRemoval(entry)) return chatFrame({ type: "removed", id: message.id });
      const view = viewOf(message, viewer.viewerId);
      return change === "posted"
        ? chatFrame({ type: "message", message: view }, message.id)
        : chatFrame({ type: "approved", message: view });
    },
    resync: chatFrame({ type: "resync" }),
    async joined({ roomId }) {
      if (lastSeen.has(roomId)) return;
      const latest = await chat.latestId(roomId);
      if (latest && !lastSeen.has(roomId)) lastSeen.set(roomId, latest);
    },
  };

  /** Passes the hub the notices of `changes`, in order; returns the function that stops listening. */
  function connect<Viewer extends ChatViewer>(hub: LiveFeed<Viewer, ChatEntry>, changes: ChangeFeed): () => void {
    function broadcast(message: ChatMessage, change: ChatChange): void {
      noteSeen(message.roomId, message.id);
      const { receivers, sample } = hub.publish(message.roomId, { message, change });
      tracer.record("chat.broadcast", `chat ${change} in ${message.roomId}`, {
        room: message.roomId,
        change,
        receivers,
      });
      if (sample)
        tracer.record("sse.push", `chat → ${receivers} streams`, { event: "chat", bytes: sample.bytes, receivers });
    }

    /** A notice's message is loaded as soon as it arrives and broadcast in its turn: a burst waits for the database once. */
    function handle(payload: string): void {
      const [id, change] = payload.split(":") as [MessageId, ChatChange | undefined];
      const loaded = retrying(() => chat.find(id));
      loaded.catch(() => undefined); // reported in its turn, by the queue
      hub.enqueue(async () => {
        const message = await loaded;
        if (message && change) broadcast(message, change);
      });
    }

    /** Notices may have been lost: replay the messages committed meanwhile, then tell every stream to refresh decisions. */
    async function resync(): Promise<void> {
      await retrying(async () => {
        for (const roomId of lastSeen.keys()) {
          // Page through everything committed meanwhile; broadcast moves lastSeen past each page.
          for (;;) {
            const page = await chat.since(
              roomId,
              { includePending: true },
              lastSeen.get(roomId) as MessageId,
              LIVE_FEED.maxReplay,
            );
            for (const message of page) broadcast(message, "posted");
            if (page.length < LIVE_FEED.maxReplay) break;
          }
        }
      });
      hub.broadcast(adapter.resync);
    }

    return changes.listen({ changed: handle, resync: () => hub.enqueue(resync) });
  }

  /**
   * Just after Postgres comes back the pool may still hand out connections that died with the old
   * server: a failed step is tried again a few times before it is given up (and logged).
   */
  async function retrying<T>(work: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await work();
      } catch (error) {
        if (attempt === 3) throw error;
        log.warn({ err: error, attempt }, "chat feed step failed: trying again");
        await new Promise((resolve) => setTimeout(resolve, 250 * attempt));
      }
    }
  }

  return { adapter, connect };
}
