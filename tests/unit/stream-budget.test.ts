import pino from "pino";
import { afterEach, describe, expect, it, vi } from "vitest";
import { frame, type Frame, type StreamSink } from "#app/models/live-feed.ts";
import { createLiveFeed } from "#app/services/live-feed.server.ts";
import { createStreamBudget, type BudgetedStream } from "#app/services/stream-budget.server.ts";

/**
 * The process-wide budget for unsent stream bytes (issue 18): over it, the streams holding the most
 * go first, until the total is under three quarters of the budget; a stream already ending is cut.
 */
const log = pino({ level: "silent" });

afterEach(() => void vi.useRealTimers());

function streams(...sizes: number[]) {
  const dropped: [number, string][] = [];
  const list: BudgetedStream[] = sizes.map((unsent) => ({
    unsent,
    drop: (reason) => void dropped.push([unsent, reason]),
  }));
  return { feed: { measure: () => list }, dropped };
}

/** A sink whose connection takes nothing: every byte it is given stays unsent. */
function stuckSink() {
  const state = { frames: [] as Frame[], ended: false, cut: false };
  const sink: StreamSink = {
    write: (next) => (state.ended ? false : (state.frames.push(next), true)),
    end: () => void (state.ended = true),
    cut: () => void (state.cut = true),
    taken: () => 0,
  };
  return { sink, state };
}

describe("the unsent-bytes budget", () => {
  it("drops the streams holding the most, until the total is under three quarters of the budget", () => {
    const budget = createStreamBudget({ maxBytes: 1_000, log });
    const { feed, dropped } = streams(100, 600, 200, 300);
    budget.add(feed);
    expect(budget.measure()).toBe(600);
    expect(dropped).toEqual([[600, "server busy: too much unsent to slow streams"]]);
    budget.close();
  });

  it("leaves every stream alone while the total is within the budget", () => {
    const budget = createStreamBudget({ maxBytes: 1_000, log });
    const { feed, dropped } = streams(400, 600);
    budget.add(feed);
    expect(budget.measure()).toBe(1_000);
    expect(dropped).toEqual([]);
    budget.close();
  });

  it("adds up the streams of every hub", () => {
    const budget = createStreamBudget({ maxBytes: 1_000, log });
    const one = streams(500);
    const other = streams(400, 300);
    budget.add(one.feed);
    budget.add(other.feed);
    expect(budget.measure()).toBe(700);
    expect([...one.dropped, ...other.dropped].map(([size]) => size)).toEqual([500]);
    budget.close();
  });

  it("measures a short while after the hubs hand out more than the budget, and every second in any case", () => {
    vi.useFakeTimers();
    const budget = createStreamBudget({ maxBytes: 1_000, log });
    const measured = vi.fn(() => []);
    budget.add({ measure: measured });
    budget.gave(900);
    vi.advanceTimersByTime(100);
    expect(measured).not.toHaveBeenCalled();
    budget.gave(200);
    vi.advanceTimersByTime(100);
    expect(measured).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(1_000);
    expect(measured).toHaveBeenCalledTimes(2);
    budget.close();
  });

  it("counts what a hub's streams hold, ends the slowest open one with a reason and cuts one already ending", () => {
    const budget = createStreamBudget({ maxBytes: 10_000, log });
    const hub = createLiveFeed<null, never>({
      adapter: {
        missed: async () => [],
        audience: () => undefined,
        frame: () => frame("never", ""),
        resync: frame("resync", ""),
      },
      log,
      budget,
    });
    const [small, large, ending] = [stuckSink(), stuckSink(), stuckSink()];
    const subscriptions = [small, large, ending].map(({ sink }) =>
      hub.subscribe({ topic: "room", viewer: null }, sink),
    );
    const send = (index: number, bytes: number) => hub.send(subscriptions[index]!, frame("chat", "x".repeat(bytes)));
    send(0, 1_000);
    send(2, 3_000);
    hub.drop(subscriptions[2]!, "replaced");
    expect(budget.measure()).toBeGreaterThan(4_000);
    expect([small.state.ended, ending.state.ended, ending.state.cut]).toEqual([false, true, false]);
    send(1, 6_000);
    budget.measure();
    // Over 10,000 held: the largest (an open one) is ended, and what is counted falls under 7,500.
    expect(large.state.frames.at(-1)?.data).toBe(
      JSON.stringify({ reason: "server busy: too much unsent to slow streams" }),
    );
    expect([small.state.ended, large.state.ended, ending.state.cut]).toEqual([false, true, false]);
    send(0, 2_000);
    budget.measure();
    // Over again, and the largest is one already ending: cut at once (it was told why), the rest kept.
    expect([small.state.ended, large.state.cut, ending.state.cut]).toEqual([false, true, false]);
    hub.close();
    budget.close();
  });
});
