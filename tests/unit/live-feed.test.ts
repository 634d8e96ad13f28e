import pino from "pino";
import { afterEach, describe, expect, it, vi } from "vitest";
import { frame, LIVE_FEED, type Frame, type StreamSink } from "#app/models/live-feed.ts";
import { createLiveFeed, type FeedAdapter } from "#app/services/live-feed.server.ts";

/**
 * The live-feed hub's rules with a made-up adapter and sinks that only record: replay after an id
 * with live frames held and never doubled, resync beyond the replay cap, one frame per audience, one
 * stream per key, the slow-consumer drop and what the hub tells of unsent bytes, heartbeat, shutdown.
 */
interface Entry {
  readonly id: number;
  /** Who may see it: everyone, or only viewers of this name. */
  readonly only?: string;
}
interface Viewer {
  readonly name: string;
}

/** A sink that records what it got; `taken` is what its "connection" has taken so far. */
function recordingSink(taken = () => Number.POSITIVE_INFINITY) {
  const frames: Frame[] = [];
  let ended = false;
  const sink: StreamSink = {
    write: (next) => (ended ? false : (frames.push(next), true)),
    end: () => void (ended = true),
    cut: () => void (ended = true),
    taken: () =>
      Math.min(
        taken(),
        frames.reduce((sum, one) => sum + one.bytes, 0),
      ),
  };
  return {
    sink,
    frames,
    ended: () => ended,
    ids: () => frames.filter((one) => one.event === "entry").map((one) => Number(one.id)),
  };
}

function hubWith(missed: (after: number, limit: number) => Promise<Entry[]> = async () => []) {
  const built = new Map<string, number>();
  const adapter: FeedAdapter<Viewer, Entry> = {
    missed: (_viewer, after, limit) => missed(Number(after), limit),
    audience: (viewer, entry) =>
      entry.only === undefined ? "everyone" : entry.only === viewer.name ? viewer.name : undefined,
    frame(entry, viewer) {
      const audience = entry.only ?? "everyone";
      built.set(audience, (built.get(audience) ?? 0) + 1);
      return frame("entry", JSON.stringify({ entry: entry.id, for: viewer.name }), String(entry.id));
    },
    resync: frame("resync", ""),
  };
  const left: Viewer[] = [];
  const hub = createLiveFeed({
    adapter,
    log: pino({ level: "silent" }),
    left: (subscription) => left.push(subscription.viewer),
  });
  return { hub, built, left };
}

const range = (from: number, to: number): Entry[] =>
  Array.from({ length: to - from + 1 }, (_, index) => ({ id: from + index }));
const closedReason = (frames: readonly Frame[]) =>
  frames.filter((one) => one.event === "closed").map((one) => (JSON.parse(one.data) as { reason: string }).reason);

afterEach(() => vi.useRealTimers());

describe("the live-feed hub", () => {
  it("replays what a stream missed after its id, holds live entries meanwhile, and sends each id once, in order", async () => {
    let finishReplay: (entries: Entry[]) => void = () => undefined;
    const { hub } = hubWith((after) => (expect(after).toBe(10), new Promise((resolve) => (finishReplay = resolve))));
    const { sink, ids } = recordingSink();
    hub.subscribe({ topic: "room", viewer: { name: "ada" } }, sink, "10");
    await Promise.resolve();
    // Live entries while the replay reads: one it will also return, and newer ones.
    for (const entry of range(13, 15)) hub.publish("room", entry);
    expect(ids()).toEqual([]);
    finishReplay(range(11, 13));
    await vi.waitFor(() => expect(ids()).toEqual([11, 12, 13, 14, 15]));
    hub.publish("room", { id: 14 });
    hub.publish("room", { id: 16 });
    expect(ids()).toEqual([11, 12, 13, 14, 15, 16]);
  });

  it("replays at most the cap, then tells the stream to resync", async () => {
    const { hub } = hubWith(async (after, limit) => range(after + 1, after + limit));
    const { sink, frames, ids } = recordingSink();
    hub.subscribe({ topic: "room", viewer: { name: "ada" } }, sink, "0");
    await vi.waitFor(() => expect(frames.at(-1)?.event).toBe("resync"));
    expect(ids()).toEqual(range(1, LIVE_FEED.maxReplay).map((entry) => entry.id));
  });

  it("builds one frame per audience, whatever the number of streams, and leaves out those who may not see it", () => {
    const { hub, built } = hubWith();
    const sinks = Array.from({ length: 50 }, (_, index) => {
      const recorded = recordingSink();
      hub.subscribe({ topic: "room", viewer: { name: index % 10 === 0 ? "bob" : `guest${index}` } }, recorded.sink);
      return recorded;
    });
    expect(hub.publish("room", { id: 1 }).receivers).toBe(50);
    expect(hub.publish("room", { id: 2, only: "bob" }).receivers).toBe(5);
    expect(hub.publish("elsewhere", { id: 3 }).receivers).toBe(0);
    expect(Object.fromEntries(built)).toEqual({ everyone: 1, bob: 1 });
    expect(sinks.filter((one) => one.ids().includes(2))).toHaveLength(5);
  });

  it("keeps one stream per key: a newer one ends the older, which is told why", () => {
    const { hub, left } = hubWith();
    const older = recordingSink();
    const newer = recordingSink();
    const first = hub.subscribe({ key: "tab", topic: "room", viewer: { name: "first" } }, older.sink);
    hub.subscribe({ key: "tab", topic: "room", viewer: { name: "second" } }, newer.sink);
    expect(older.ended()).toBe(true);
    expect(closedReason(older.frames)).toEqual(["replaced by a newer stream from the same tab"]);
    expect(left).toEqual([{ name: "first" }]);
    hub.publish("room", { id: 1 });
    expect(newer.ids()).toEqual([1]);
    // The older stream counts as closing until its connection closes.
    expect(hub.indexSizes()).toEqual({ streams: 1, keys: 1, topicMembers: 1, closing: 1 });
    hub.unsubscribe(first);
    expect(hub.indexSizes()).toEqual({ streams: 1, keys: 1, topicMembers: 1, closing: 0 });
  });

  it("tells each stream's unsent bytes and drops one whose connection falls more than the cap behind", () => {
    const { hub, left } = hubWith();
    const stuck = recordingSink(() => 0);
    const reading = recordingSink();
    const slow = hub.subscribe({ topic: "room", viewer: { name: "slow" } }, stuck.sink);
    const fast = hub.subscribe({ topic: "room", viewer: { name: "fast" } }, reading.sink);
    const big = "x".repeat(64 * 1024);
    const sizes: number[] = [];
    for (let id = 1; id <= 40; id++) {
      const next = frame("entry", big, String(id));
      hub.send(slow, next);
      hub.send(fast, next);
      expect(hub.unsentBytes(fast)).toBe(0);
      if (stuck.ended()) continue;
      sizes.push(next.bytes);
      expect(hub.unsentBytes(slow)).toBe(sizes.reduce((sum, size) => sum + size, 0));
    }
    expect(stuck.ended()).toBe(true);
    expect(closedReason(stuck.frames)).toEqual(["slow consumer: it fell too far behind"]);
    // Dropped once the backlog passed the cap, not before and not more than a frame later.
    const unsentAtDrop = sizes.reduce((sum, size) => sum + size, 0);
    expect(stuck.ids()).toHaveLength(sizes.length);
    expect(unsentAtDrop).toBeGreaterThan(LIVE_FEED.maxUnsentBytes);
    expect(unsentAtDrop - (sizes.at(-1) ?? 0)).toBeLessThanOrEqual(LIVE_FEED.maxUnsentBytes);
    expect(left).toEqual([{ name: "slow" }]);
    expect(reading.ids()).toHaveLength(40);
  });

  it("drops a stream whose replay fails, telling it why", async () => {
    const { hub } = hubWith(async () => Promise.reject(new Error("the database went away")));
    const { sink, frames, ended } = recordingSink();
    hub.subscribe({ topic: "room", viewer: { name: "ada" } }, sink, "5");
    await vi.waitFor(() => expect(ended()).toBe(true));
    expect(closedReason(frames)).toEqual(["the server could not replay what was missed"]);
    expect(hub.size()).toBe(0);
  });

  it("pings every stream every 15 s, and ends them all at shutdown", () => {
    vi.useFakeTimers();
    const { hub } = hubWith();
    const streams = [recordingSink(), recordingSink()];
    const subscriptions = streams.map(({ sink }) => hub.subscribe({ topic: "room", viewer: { name: "ada" } }, sink));
    vi.advanceTimersByTime(LIVE_FEED.heartbeatMs);
    for (const { frames } of streams) expect(frames.map((one) => one.event)).toEqual(["ping"]);
    hub.close();
    for (const one of streams) {
      expect(one.ended()).toBe(true);
      expect(closedReason(one.frames)).toEqual(["server shutting down"]);
    }
    expect(hub.indexSizes()).toEqual({ streams: 0, keys: 0, topicMembers: 0, closing: 2 });
    for (const subscription of subscriptions) hub.unsubscribe(subscription);
    expect(hub.indexSizes()).toEqual({ streams: 0, keys: 0, topicMembers: 0, closing: 0 });
    vi.advanceTimersByTime(LIVE_FEED.heartbeatMs);
    for (const { frames } of streams) expect(frames.filter((one) => one.event === "ping")).toHaveLength(1);
  });

  it("counts a frame's bytes as eventStream writes them", () => {
    expect(frame("chat", "{}", "42").bytes).toBe(Buffer.byteLength("id: 42\nevent: chat\ndata: {}\n\n"));
    expect(frame("ping", "").bytes).toBe(Buffer.byteLength("event: ping\ndata: \n\n"));
    expect(frame("note", "two\nlines é").bytes).toBe(Buffer.byteLength("event: note\ndata: two\ndata: lines é\n\n"));
  });
});
