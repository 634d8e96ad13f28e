import type { Logger } from "pino";
import { canSee, rooms, type ChatMessage, type MessageId, type RoomId } from "../models/chat.ts";
import type { ChatChange, ChatRepository } from "../models/chat-repository.ts";
import type { RequestLine, TraceEvent } from "../models/trace.ts";
import { createTimelineBatch, type PendingLine } from "./timeline-batch.ts";
import type { Tracer } from "./trace.ts";

/**
 * The realtime hub: every open `/events` stream of this process is a subscriber of one room. The
 * database is the source of truth: a change reaches the hub as a message id (LISTEN/NOTIFY, from any
 * instance), the hub loads the message once and hands each local subscriber what it may see.
 */
export interface StreamFrame {
  /**
   * `trace`: the visitor's own trace events; `timeline`: others' anonymous request lines, batched per tick; `counter`: the lab's command demo;
   * `session`: who is signed in changed (services/session-events.ts).
   */
  readonly event: "chat" | "ping" | "trace" | "timeline" | "counter" | "session";
  readonly data: string;
  /** Only new messages carry an id, so a reconnect's Last-Event-ID is the last message received. */
  readonly id?: string;
}

export interface Subscriber {
  /** One stream per (visitor, tab): a second stream with the same key replaces the first. */
  readonly key: string;
  readonly roomId: RoomId;
  readonly viewerId: string | null;
  /** The visitor cookie's id: whose trace events this stream may carry. */
  readonly visitorId: string;
  /** A lab tab: it also gets trace, timeline and counter events. */
  readonly lab: boolean;
  /** A lab tab's page showed the trace up to this event: what came after is replayed first. */
  readonly traceAfter?: number;
  /** Returns false once the stream is gone (the hub then forgets it). Never throws. */
  deliver(frame: StreamFrame): boolean;
  close(reason: string): void;
}

/** Where change notices come from (server/pg-listener.ts in production). */
export interface ChangeFeed {
  /** `changed` for each notice; `resync` after notices may have been missed (a reconnect). */
  listen(handlers: { changed(payload: string): void; resync(): void }): () => void;
}

export type ChatStreamEvent =
  | { readonly type: "message"; readonly message: ChatMessageView }
  | { readonly type: "approved"; readonly message: ChatMessageView }
  | { readonly type: "removed"; readonly id: MessageId }
  | { readonly type: "resync" };

export interface ChatMessageView {
  readonly id: MessageId;
  readonly roomId: RoomId;
  readonly authorName: string;
  readonly body: string;
  readonly status: "visible" | "pending";
  readonly createdAt: string;
  readonly mine: boolean;
}

export function viewOf(message: ChatMessage, viewerId: string | null): ChatMessageView {
  return {
    id: message.id,
    roomId: message.roomId,
    authorName: message.authorName,
    body: message.body,
    status: message.status === "pending" ? "pending" : "visible",
    createdAt: message.createdAt.toISOString(),
    mine: viewerId !== null && message.authorId === viewerId,
  };
}

const frame = (event: ChatStreamEvent, id?: MessageId): StreamFrame => ({ event: "chat", data: JSON.stringify(event), id });
/** A `timeline` frame: other visitors' request lines, oldest first. */
const linesFrame = (lines: readonly RequestLine[]): StreamFrame => ({ event: "timeline", data: JSON.stringify(lines) });

/** At most this many missed messages are replayed; beyond it the client reloads its history. */
const MAX_REPLAY = 500;
const HEARTBEAT_MS = 15_000;

export function createRealtimeHub({ chat, feed, tracer, log }: { chat: ChatRepository; feed: ChangeFeed; tracer: Tracer; log: Logger }) {
  const byRoom = new Map<RoomId, Set<Subscriber>>(rooms.map((room) => [room.id, new Set()]));
  const byKey = new Map<string, Subscriber>();
  /** Lab tabs, each with the trace number it joined at: it gets the lines after it (the ones before were its page's or its replay's). */
  const labTabs = new Map<Subscriber, number>();
  const labTabsOf = new Map<string, Set<Subscriber>>();
  /** Per room, the newest message id seen; after a listener reconnect, everything newer is replayed. */
  const lastSeen = new Map<RoomId, MessageId>();
  // Notices are handled one after another, so subscribers see changes in commit order.
  let queue: Promise<void> = Promise.resolve();

  function remove(subscriber: Subscriber): void {
    byRoom.get(subscriber.roomId)?.delete(subscriber);
    if (byKey.get(subscriber.key) === subscriber) byKey.delete(subscriber.key);
    if (labTabs.delete(subscriber)) {
      const own = labTabsOf.get(subscriber.visitorId);
      own?.delete(subscriber);
      if (own?.size === 0) labTabsOf.delete(subscriber.visitorId);
    }
  }

  function addLabTab(subscriber: Subscriber): void {
    labTabs.set(subscriber, tracer.lastSeq());
    let own = labTabsOf.get(subscriber.visitorId);
    if (!own) labTabsOf.set(subscriber.visitorId, (own = new Set()));
    own.add(subscriber);
  }

  function send(subscriber: Subscriber, streamFrame: StreamFrame): void {
    if (!subscriber.deliver(streamFrame)) remove(subscriber);
  }

  /** A rare, targeted send (sign-ins, revocations): a scan of this instance's streams is cheaper than another index to keep. */
  function sendWhere(matches: (subscriber: Subscriber) => boolean, streamFrame: StreamFrame): number {
    const receivers = [...byKey.values()].filter(matches);
    for (const subscriber of receivers) send(subscriber, streamFrame);
    return receivers.length;
  }

  function broadcast(message: ChatMessage, change: ChatChange): void {
    if (!lastSeen.has(message.roomId) || BigInt(message.id) > BigInt(lastSeen.get(message.roomId) ?? "0")) lastSeen.set(message.roomId, message.id);
    // Serialised once per audience (the author, everyone else), not once per subscriber.
    const frames = new Map<string | null, StreamFrame>();
    const frameFor = (viewerId: string | null): StreamFrame => {
      const audience = viewerId !== null && viewerId === message.authorId ? viewerId : null;
      let cached = frames.get(audience);
      if (!cached) {
        const view = viewOf(message, audience);
        cached = change === "posted" ? frame({ type: "message", message: view }, message.id) : frame({ type: "approved", message: view });
        frames.set(audience, cached);
      }
      return cached;
    };
    const removal = change === "removed" || message.status === "removed" ? frame({ type: "removed", id: message.id }) : undefined;
    let receivers = 0;
    for (const subscriber of byRoom.get(message.roomId) ?? []) {
      if (removal) send(subscriber, removal);
      else if (canSee(message, subscriber.viewerId)) send(subscriber, frameFor(subscriber.viewerId));
      else continue;
      receivers += 1;
    }
    const sample = removal ?? frames.values().next().value;
    tracer.record("chat.broadcast", `chat ${change} in ${message.roomId}`, { room: message.roomId, change, receivers });
    if (sample) tracer.record("sse.push", `chat → ${receivers} streams`, { event: "chat", bytes: Buffer.byteLength(sample.data), receivers });
  }

  /** Trace events reach the lab tabs they may: a visitor's own to their tabs, the rest anonymised. */
  const traceSink = {
    own(visitorId: string, event: TraceEvent): void {
      const own = labTabsOf.get(visitorId);
      if (!own) return;
      const traceFrame: StreamFrame = { event: "trace", data: JSON.stringify(event) };
      for (const subscriber of own) send(subscriber, traceFrame);
    },
    line(line: RequestLine, visitorId: string | null): void {
      if (labTabs.size > 0) timeline.add({ line, visitorId });
    },
    system(event: TraceEvent): void {
      if (labTabs.size === 0) return;
      const traceFrame: StreamFrame = { event: "trace", data: JSON.stringify(event) };
      for (const subscriber of labTabs.keys()) send(subscriber, traceFrame);
    },
  };
  const stopTracing = tracer.subscribe(traceSink);

  /**
   * One tick's lines of others: one frame shared by every lab tab, built again only for the tabs of
   * a visitor whose own lines are in it and for tabs that joined during the tick.
   */
  function sendLines(batch: readonly PendingLine[]): void {
    const owners = new Set(batch.map((entry) => entry.visitorId));
    const firstSeq = batch[0]?.line.seq ?? 0;
    const shared = linesFrame(batch.map((entry) => entry.line));
    const withoutOwn = new Map<string, StreamFrame | undefined>();
    const framed = (visitorId: string, after: number) => {
      const lines = batch.filter((entry) => entry.visitorId !== visitorId && entry.line.seq > after).map((entry) => entry.line);
      return lines.length ? linesFrame(lines) : undefined;
    };
    for (const [subscriber, joinedSeq] of labTabs) {
      let tabFrame: StreamFrame | undefined = shared;
      if (joinedSeq >= firstSeq) tabFrame = framed(subscriber.visitorId, joinedSeq);
      else if (owners.has(subscriber.visitorId)) {
        if (!withoutOwn.has(subscriber.visitorId)) withoutOwn.set(subscriber.visitorId, framed(subscriber.visitorId, 0));
        tabFrame = withoutOwn.get(subscriber.visitorId);
      }
      if (tabFrame) send(subscriber, tabFrame);
    }
  }
  const timeline = createTimelineBatch(sendLines);

  /** What a lab page missed between its snapshot and its stream: its visitor's events and others' lines, in order. */
  function replayTrace(subscriber: Subscriber, after: number): void {
    const { own, others } = tracer.snapshot(subscriber.visitorId);
    const missed = [
      ...own.filter((event) => event.seq > after).map((event) => ({ seq: event.seq, frame: { event: "trace", data: JSON.stringify(event) } as const })),
      ...others.filter((line) => line.seq > after).map((line) => ({ seq: line.seq, frame: linesFrame([line]) })),
    ].sort((a, b) => a.seq - b.seq);
    for (const { frame: missedFrame } of missed) subscriber.deliver(missedFrame);
  }

  /**
   * A notice's message is loaded as soon as the notice arrives, while earlier changes are still
   * going out, and broadcast in its turn: a burst costs one database round trip, not one per message.
   */
  function handle(payload: string): void {
    const [id, change] = payload.split(":") as [MessageId, ChatChange | undefined];
    const loaded = retrying(() => chat.find(id));
    loaded.catch(() => undefined); // reported in its turn, by the queue
    enqueue(async () => {
      const message = await loaded;
      if (message && change) broadcast(message, change);
    });
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
        log.warn({ err: error, attempt }, "realtime hub step failed: trying again");
        await new Promise((resolve) => setTimeout(resolve, 250 * attempt));
      }
    }
  }

  /** Notices may have been lost: replay the messages committed meanwhile, then tell every client to refresh decisions. */
  async function resync(): Promise<void> {
    await retrying(replaySinceLastSeen);
    const refresh = frame({ type: "resync" });
    for (const subscriber of byKey.values()) send(subscriber, refresh);
  }

  async function replaySinceLastSeen(): Promise<void> {
    for (const roomId of lastSeen.keys()) {
      // Page through everything committed meanwhile; broadcast moves lastSeen past each page.
      for (;;) {
        const after = lastSeen.get(roomId) as MessageId;
        const page = await chat.since(roomId, { includePending: true }, after, MAX_REPLAY);
        for (const message of page) broadcast(message, "posted");
        if (page.length < MAX_REPLAY) break;
      }
    }
  }

  const enqueue = (work: () => Promise<void>) => {
    queue = queue.then(work).catch((error: unknown) => log.error({ err: error }, "realtime hub could not deliver a change"));
  };
  const stopListening = feed.listen({ changed: handle, resync: () => enqueue(resync) });
  const heartbeat = setInterval(() => {
    for (const subscriber of byKey.values()) send(subscriber, { event: "ping", data: "" });
  }, HEARTBEAT_MS);
  heartbeat.unref();

  return {
    /**
     * Adds a subscriber, first replaying what it missed after `after` (Last-Event-ID), in order.
     * Live changes that arrive meanwhile are held back and passed on without duplicates.
     * Returns the unsubscribe function (safe to call twice).
     */
    async subscribe(subscriber: Subscriber, after?: MessageId): Promise<() => void> {
      const held: StreamFrame[] = [];
      let replaying = after !== undefined;
      // Message frames go out once each, in id order: a message both replayed and announced live
      // (or replayed again after a listener resync) is sent the first time only.
      let lastId = after === undefined ? -1n : BigInt(after);
      const pass = (streamFrame: StreamFrame): boolean => {
        if (streamFrame.id !== undefined) {
          const id = BigInt(streamFrame.id);
          if (id <= lastId) return true;
          lastId = id;
        }
        return subscriber.deliver(streamFrame);
      };
      const entry: Subscriber = {
        ...subscriber,
        deliver: (streamFrame) => (replaying ? (held.push(streamFrame), true) : pass(streamFrame)),
      };
      byKey.get(subscriber.key)?.close("replaced by a newer stream from the same tab");
      byKey.set(subscriber.key, entry);
      byRoom.get(subscriber.roomId)?.add(entry);
      if (subscriber.lab) {
        addLabTab(entry);
        // In the same tick as the registration: every later event arrives live, none twice.
        if (subscriber.traceAfter !== undefined) replayTrace(entry, subscriber.traceAfter);
      }
      try {
        if (!lastSeen.has(subscriber.roomId)) {
          const latest = await chat.latestId(subscriber.roomId);
          if (latest && !lastSeen.has(subscriber.roomId)) lastSeen.set(subscriber.roomId, latest);
        }
        if (after !== undefined) {
          const missed = await chat.since(subscriber.roomId, { viewerId: subscriber.viewerId }, after, MAX_REPLAY + 1);
          if (missed.length > MAX_REPLAY) subscriber.deliver(frame({ type: "resync" }));
          for (const message of missed.slice(0, MAX_REPLAY)) pass(frame({ type: "message", message: viewOf(message, subscriber.viewerId) }, message.id));
          replaying = false;
          for (const streamFrame of held) pass(streamFrame);
        }
      } catch (error) {
        // The replay failed: the stream is closed by its caller, and must not stay in the indexes holding frames.
        remove(entry);
        throw error;
      }
      return () => remove(entry);
    },

    /** How many streams are open (tests and the lab read it). */
    subscriberCount: (): number => byKey.size,

    /** The size of every index the hub keeps streams in: all zero once every stream has ended (the churn test). */
    indexSizes: () => ({
      streams: byKey.size,
      roomMembers: [...byRoom.values()].reduce((sum, members) => sum + members.size, 0),
      labTabs: labTabs.size,
      labVisitors: labTabsOf.size,
    }),

    /** Whether a tab has its stream open on this instance. */
    hasTab: (key: string): boolean => byKey.has(key),

    /** Sends to one tab's stream; false when that tab has no stream open here (the command demo's 428). */
    toTab(key: string, streamFrame: StreamFrame): boolean {
      const subscriber = byKey.get(key);
      if (!subscriber) return false;
      send(subscriber, streamFrame);
      return true;
    },

    // --- Sends to every stream of one visitor or one account on this instance (the `session` event, issue 13). ---

    /** Sends to every stream of one visitor cookie (all its tabs); returns how many got it. */
    toVisitor: (visitorId: string, streamFrame: StreamFrame): number => sendWhere((subscriber) => subscriber.visitorId === visitorId, streamFrame),

    /** Sends to every stream opened signed in as this account (every device); returns how many got it. */
    toUser: (userId: string, streamFrame: StreamFrame): number => sendWhere((subscriber) => subscriber.viewerId === userId, streamFrame),

    /** Ends every stream (at shutdown: clients reconnect elsewhere with Last-Event-ID). */
    close(): void {
      clearInterval(heartbeat);
      stopListening();
      stopTracing();
      timeline.close();
      for (const subscriber of [...byKey.values()]) {
        subscriber.close("server shutting down");
        remove(subscriber);
      }
    },
  };
}

export type RealtimeHub = ReturnType<typeof createRealtimeHub>;
