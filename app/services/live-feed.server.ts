import type { Logger } from "pino";
import { closedFrame, frame, LIVE_FEED, type Frame, type StreamSink } from "#app/models/live-feed.ts";
import type { BudgetedFeed } from "./stream-budget.server.ts";

/**
 * A live-feed hub: the open streams of one kind in this process, and what each of them needs
 * whatever it carries (docs/decisions/0023):
 * - a registry by topic (a chat room) and by key (one stream per tab: a newer one replaces the older);
 * - a heartbeat every 15 s, and one ordered queue for the work that feeds the streams;
 * - replay after Last-Event-ID: live frames are held while the missed entries are read, then go out,
 *   each id once and in id order; more than the replay cap missed, and the stream is told to resync;
 * - the unsent bytes of every stream: one that falls too far behind is dropped with a reason, and
 *   all of them count against the process's budget (stream-budget.ts).
 * An adapter says what an entry is: what a stream missed, who may see it, how it becomes a frame.
 */
export interface FeedAdapter<Viewer, Entry> {
  /** The entries after `after` that `viewer` may see, oldest first, at most `limit`. */
  missed(viewer: Viewer, after: string, limit: number): Promise<readonly Entry[]>;
  /** The audience `viewer` sees `entry` as (one frame per audience), or undefined when it may not see it. */
  audience(viewer: Viewer, entry: Entry): string | undefined;
  /** The entry as the frame `viewer`'s audience gets: built once per audience, not once per stream. */
  frame(entry: Entry, viewer: Viewer): Frame;
  /** What a stream gets when it missed more than a replay sends: reload what you show. */
  readonly resync: Frame;
  /** Work before a new stream's replay, such as noting where its topic stands. */
  joined?(viewer: Viewer): Promise<void>;
}

export interface Subscription<Viewer> {
  readonly viewer: Viewer;
  readonly topic: string;
  readonly key?: string;
}

interface Stream<Viewer> extends Subscription<Viewer> {
  readonly sink: StreamSink;
  open: boolean;
  /** Bytes given to the sink, the most it was last seen to have taken, and the newest id it got. */
  sent: number;
  taken: number;
  lastSeq: bigint;
  /** Frames held while the replay runs (null once live), and their size. */
  held: Frame[] | null;
  heldBytes: number;
}

const SLOW_CONSUMER = "slow consumer: it fell too far behind";
const ping = frame("ping", "");

/** The process-wide budget for unsent bytes, as a hub sees it. */
export interface FeedBudget {
  add(feed: BudgetedFeed): void;
  gave(bytes: number): void;
}

export function createLiveFeed<Viewer, Entry>({
  adapter,
  log,
  left,
  budget,
}: {
  adapter: FeedAdapter<Viewer, Entry>;
  log: Logger;
  left?: (subscription: Subscription<Viewer>) => void;
  budget?: FeedBudget;
}) {
  const topics = new Map<string, Set<Stream<Viewer>>>();
  const byKey = new Map<string, Stream<Viewer>>();
  const streams = new Set<Stream<Viewer>>();
  /** Streams this side ended whose connection is still open: what they hold still counts against the budget. */
  const closing = new Set<Stream<Viewer>>();
  let queue: Promise<void> = Promise.resolve();

  function remove(stream: Stream<Viewer>): void {
    if (!stream.open) return;
    stream.open = false;
    stream.held = null;
    streams.delete(stream);
    const members = topics.get(stream.topic);
    members?.delete(stream);
    if (members?.size === 0) topics.delete(stream.topic);
    if (stream.key !== undefined && byKey.get(stream.key) === stream) byKey.delete(stream.key);
    left?.(stream);
  }

  /** Ends a stream from this side: it is forgotten, told why, and closed. */
  function drop(stream: Stream<Viewer>, reason: string): void {
    if (!stream.open) return;
    remove(stream);
    closing.add(stream);
    log.debug({ reason }, "live stream ended by the server");
    stream.sink.write(closedFrame(reason));
    stream.sink.end();
  }

  const unsent = (stream: Stream<Viewer>): number => {
    stream.taken = stream.sink.taken();
    return stream.sent - stream.taken + stream.heldBytes;
  };
  /** Asks the connection only when what it took when last asked could leave it too far behind (taken only grows). */
  const tooFarBehind = (stream: Stream<Viewer>): boolean =>
    stream.sent - stream.taken + stream.heldBytes > LIVE_FEED.maxUnsentBytes &&
    unsent(stream) > LIVE_FEED.maxUnsentBytes;

  /** To the sink: id'd frames once each, in order; a stream that holds too much unsent is dropped first. */
  function pass(stream: Stream<Viewer>, next: Frame): void {
    if (!stream.open) return;
    if (next.seq !== undefined) {
      if (next.seq <= stream.lastSeq) return;
      stream.lastSeq = next.seq;
    }
    if (tooFarBehind(stream)) return drop(stream, SLOW_CONSUMER);
    stream.sent += next.bytes;
    budget?.gave(next.bytes);
    if (!stream.sink.write(next)) remove(stream);
  }

  function send(stream: Stream<Viewer>, next: Frame): void {
    if (!stream.open) return;
    if (!stream.held) return pass(stream, next);
    stream.held.push(next);
    stream.heldBytes += next.bytes;
    budget?.gave(next.bytes);
    if (tooFarBehind(stream)) drop(stream, SLOW_CONSUMER);
  }

  async function start(stream: Stream<Viewer>, after: string | undefined): Promise<void> {
    try {
      await adapter.joined?.(stream.viewer);
      if (after === undefined || !stream.open) return;
      const missed = await adapter.missed(stream.viewer, after, LIVE_FEED.maxReplay + 1);
      const held = stream.held ?? [];
      stream.held = null;
      stream.heldBytes = 0;
      for (const entry of missed.slice(0, LIVE_FEED.maxReplay)) pass(stream, adapter.frame(entry, stream.viewer));
      if (missed.length > LIVE_FEED.maxReplay) pass(stream, adapter.resync);
      for (const next of held) pass(stream, next);
    } catch (error) {
      log.warn({ err: error }, "a live stream could not replay what it missed");
      drop(stream, "the server could not replay what was missed");
    }
  }

  const heartbeat = setInterval(() => {
    for (const stream of streams) send(stream, ping);
  }, LIVE_FEED.heartbeatMs);
  heartbeat.unref();
  // Over the budget, an open stream is ended with a reason; one already ending is cut at once.
  budget?.add({
    measure: () => [
      ...[...streams].map((stream) => ({ unsent: unsent(stream), drop: (reason: string) => drop(stream, reason) })),
      ...[...closing].map((stream) => ({ unsent: unsent(stream), drop: () => stream.sink.cut() })),
    ],
  });

  return {
    /**
     * Opens a stream on `sink`: registered at once (anything published from now on reaches it),
     * after replaying, in order, what it missed after `after` (Last-Event-ID). Returns its handle.
     */
    subscribe(subscription: Subscription<Viewer>, sink: StreamSink, after?: string): Subscription<Viewer> {
      const stream: Stream<Viewer> = {
        ...subscription,
        sink,
        open: true,
        sent: 0,
        taken: 0,
        lastSeq: after === undefined ? -1n : BigInt(after),
        held: after === undefined ? null : [],
        heldBytes: 0,
      };
      if (stream.key !== undefined) {
        const older = byKey.get(stream.key);
        if (older) drop(older, "replaced by a newer stream from the same tab");
        byKey.set(stream.key, stream);
      }
      streams.add(stream);
      let members = topics.get(stream.topic);
      if (!members) topics.set(stream.topic, (members = new Set()));
      members.add(stream);
      void start(stream, after);
      return stream;
    },

    /** Forgets a stream (its connection ended). Safe to call twice. */
    unsubscribe(subscription: Subscription<Viewer>): void {
      closing.delete(subscription as Stream<Viewer>);
      remove(subscription as Stream<Viewer>);
    },

    /** Sends `entry` to every stream of `topic` that may see it; how many got it, and one of the frames. */
    publish(topic: string, entry: Entry): { receivers: number; sample?: Frame } {
      const frames = new Map<string, Frame>();
      let receivers = 0;
      for (const stream of topics.get(topic) ?? []) {
        const audience = adapter.audience(stream.viewer, entry);
        if (audience === undefined) continue;
        let shared = frames.get(audience);
        if (!shared) frames.set(audience, (shared = adapter.frame(entry, stream.viewer)));
        send(stream, shared);
        receivers += 1;
      }
      return { receivers, sample: frames.values().next().value };
    },

    /** One frame to one stream (say, a lab tab's trace event). */
    send: (subscription: Subscription<Viewer>, next: Frame): void => send(subscription as Stream<Viewer>, next),

    /** One frame to every stream. */
    broadcast(next: Frame): void {
      for (const stream of streams) send(stream, next);
    },

    /** One frame to the streams whose viewer `matches`: a scan, for rare targeted sends (sign-ins, revocations); how many got it. */
    sendWhere(matches: (viewer: Viewer) => boolean, next: Frame): number {
      let receivers = 0;
      for (const stream of [...streams]) {
        if (!matches(stream.viewer)) continue;
        send(stream, next);
        receivers += 1;
      }
      return receivers;
    },

    /** The stream opened with `key`, if it is open here. */
    byKey: (key: string): Subscription<Viewer> | undefined => byKey.get(key),

    /** Runs `work` after the work queued before it: changes reach the streams in the order they came. */
    enqueue(work: () => Promise<void>): void {
      queue = queue
        .then(work)
        .catch((error: unknown) => log.error({ err: error }, "a live feed could not pass a change on"));
    },

    /** Bytes a stream was given and its connection has not taken yet (what it holds in this process). */
    unsentBytes: (subscription: Subscription<Viewer>): number => unsent(subscription as Stream<Viewer>),

    /** Ends a stream, telling it why. */
    drop: (subscription: Subscription<Viewer>, reason: string): void => drop(subscription as Stream<Viewer>, reason),

    size: (): number => streams.size,

    /** Every index, for the churn test: all zero once every stream has ended. */
    indexSizes: () => ({
      streams: streams.size,
      keys: byKey.size,
      topicMembers: [...topics.values()].reduce((sum, members) => sum + members.size, 0),
      closing: closing.size,
    }),

    /** Ends every stream (at shutdown: clients reconnect elsewhere with Last-Event-ID). */
    close(): void {
      clearInterval(heartbeat);
      for (const stream of [...streams]) drop(stream, "server shutting down");
    },
  };
}

export type LiveFeed<Viewer, Entry> = ReturnType<typeof createLiveFeed<Viewer, Entry>>;
