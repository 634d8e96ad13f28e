import { describe, expect, it } from "vitest";
import {
  BURST,
  burstSizeSchema,
  checkBoundary,
  counterDeltaSchema,
  describeProgress,
  requestsPerSecond,
  runBurst,
  type BurstProgress,
} from "#app/models/lab.ts";

/** The lab's pure rules: the request burst, the boundary check and the command demo's counter. */

/** A small deterministic generator, so probe timings interleave the same way on every run. */
function prng(seed: number) {
  let state = seed >>> 0;
  return () => {
    state = (state * 1_664_525 + 1_013_904_223) >>> 0;
    return state / 2 ** 32;
  };
}

/**
 * A probe that fails every 7th call, finishing after a varying number of event-loop turns (so
 * probes overtake one another), and records how many are in flight.
 */
function countingProbe(seed = 1) {
  const random = prng(seed);
  const state = { calls: 0, inFlight: 0, maxInFlight: 0, finished: 0 };
  const probe = async (): Promise<boolean> => {
    state.calls += 1;
    const call = state.calls;
    state.inFlight += 1;
    state.maxInFlight = Math.max(state.maxInFlight, state.inFlight);
    const turns = 1 + Math.floor(random() * 4);
    for (let turn = 0; turn < turns; turn++) await new Promise<void>((resolve) => setImmediate(resolve));
    state.inFlight -= 1;
    state.finished += 1;
    return call % 7 !== 0;
  };
  return { probe, state };
}

/** A clock that moves 5 ms each time it is read. */
function steppingClock() {
  let now = 1_000;
  return () => (now += 5);
}

describe("runBurst", () => {
  it("sends exactly `total` probes and counts every 7th failure exactly", async () => {
    const { probe, state } = countingProbe();
    const summary = await runBurst(1_000, probe, () => undefined, steppingClock());
    expect(state.calls).toBe(1_000);
    expect(state.finished).toBe(1_000);
    expect(summary).toMatchObject({ sent: 1_000, total: 1_000, ok: 1_000 - 142, failed: 142 });
    expect(state.inFlight).toBe(0);
  });

  it("keeps at most 24 probes in flight, and does use all 24", async () => {
    const { probe, state } = countingProbe(7);
    await runBurst(2_000, probe, () => undefined);
    expect(BURST.workers).toBe(24);
    expect(state.maxInFlight).toBe(24);
    // A burst smaller than the worker pool starts only as many workers as it has probes.
    const small = countingProbe(3);
    const summary = await runBurst(5, small.probe, () => undefined);
    expect(small.state.maxInFlight).toBe(5);
    expect(small.state.calls).toBe(5);
    expect(summary).toMatchObject({ sent: 5, ok: 5, failed: 0 });
  });

  it("never runs more than 24 at once even when probes answer at once", async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    let calls = 0;
    const summary = await runBurst(
      300,
      () => {
        calls += 1;
        inFlight += 1;
        maxInFlight = Math.max(maxInFlight, inFlight);
        return Promise.resolve(calls % 2 === 0).finally(() => (inFlight -= 1));
      },
      () => undefined,
    );
    expect(calls).toBe(300);
    expect(maxInFlight).toBeLessThanOrEqual(24);
    expect(summary).toMatchObject({ sent: 300, ok: 150, failed: 150 });
  });

  it("reports progress every 20 finished probes, in order, then the summary at the end", async () => {
    const { probe } = countingProbe(11);
    const reports: BurstProgress[] = [];
    const summary = await runBurst(1_010, probe, (progress) => reports.push(progress), steppingClock());
    const every20 = Array.from({ length: 50 }, (_, i) => (i + 1) * 20);
    expect(reports.map((report) => report.sent)).toEqual([...every20, 1_010]);
    expect(reports.at(-1)).toEqual(summary);
    for (const report of reports) {
      expect(report.total).toBe(1_010);
      expect(report.ok + report.failed).toBe(report.sent);
    }
    // The counts only grow, and so does the time.
    for (let i = 1; i < reports.length; i++) {
      const [before, after] = [reports[i - 1] as BurstProgress, reports[i] as BurstProgress];
      expect(after.ok).toBeGreaterThanOrEqual(before.ok);
      expect(after.failed).toBeGreaterThanOrEqual(before.failed);
      expect(after.elapsedMs).toBeGreaterThan(before.elapsedMs);
    }
    expect(summary).toMatchObject({ sent: 1_010, ok: 1_010 - 144, failed: 144 });
  });

  it("reports the last 20 and the summary both when the total is a multiple of 20", async () => {
    const { probe } = countingProbe();
    const reports: number[] = [];
    await runBurst(100, probe, (progress) => reports.push(progress.sent));
    expect(reports).toEqual([20, 40, 60, 80, 100, 100]);
  });

  it("describes progress as sent/total | ok | failed | req/s", () => {
    expect(describeProgress({ sent: 40, total: 100, ok: 35, failed: 5, elapsedMs: 2_000 })).toBe(
      "40/100 | 35 ok | 5 failed | 20 req/s",
    );
    expect(requestsPerSecond({ sent: 10, elapsedMs: 0 })).toBe(0);
    expect(requestsPerSecond({ sent: 1_000, elapsedMs: 333 })).toBe(3_003);
  });
});

describe("burstSizeSchema", () => {
  it("accepts 100 to 5000 in steps of 100, from form text too", () => {
    expect(BURST).toMatchObject({ min: 100, max: 5_000, step: 100, default: 1_000 });
    for (let size = 100; size <= 5_000; size += 100)
      expect(burstSizeSchema.safeParse(size).success, String(size)).toBe(true);
    expect(burstSizeSchema.parse("2500")).toBe(2_500);
    expect(burstSizeSchema.parse(BURST.default)).toBe(1_000);
  });

  it("refuses sizes out of bounds or off the step, with a message", () => {
    const error = (value: unknown) => {
      const parsed = burstSizeSchema.safeParse(value);
      return parsed.success ? undefined : parsed.error.issues[0]?.message;
    };
    expect(error(99)).toBe("Send at least 100");
    expect(error(0)).toBe("Send at least 100");
    expect(error(-100)).toBe("Send at least 100");
    expect(error(5_001)).toBe("Send at most 5000");
    expect(error(5_100)).toBe("Send at most 5000");
    expect(error(150)).toBe("Choose a multiple of 100");
    expect(error(4_950)).toBe("Choose a multiple of 100");
    expect(error(100.5)).toBeDefined();
    expect(error("abc")).toBe("Choose how many requests to send");
    expect(error("")).toBe("Choose how many requests to send");
    expect(error(Number.POSITIVE_INFINITY)).toBeDefined();
  });
});

describe("checkBoundary", () => {
  it("passes valid input through the domain validator, normalised", () => {
    expect(checkBoundary("username", "  Ada_99 ")).toEqual({ rule: "username", ok: true, value: "ada_99" });
    expect(checkBoundary("email", " Ada@Example.COM ")).toEqual({ rule: "email", ok: true, value: "ada@example.com" });
    expect(checkBoundary("message", "  hello  ")).toEqual({ rule: "message", ok: true, value: "hello" });
  });

  it("shows the validator's first error for invalid input", () => {
    expect(checkBoundary("username", "ab")).toEqual({
      rule: "username",
      ok: false,
      error: "Use at least 3 characters",
    });
    expect(checkBoundary("username", "ada lovelace")).toEqual({
      rule: "username",
      ok: false,
      error: "Use only letters, digits and _",
    });
    expect(checkBoundary("email", "not-an-address")).toEqual({
      rule: "email",
      ok: false,
      error: "Enter a valid email address",
    });
    expect(checkBoundary("message", "   ")).toEqual({ rule: "message", ok: false, error: "Write a message" });
    expect(checkBoundary("message", "x".repeat(1_001))).toEqual({
      rule: "message",
      ok: false,
      error: "Keep it to 1000 characters",
    });
    expect(checkBoundary("message", "a\u0000b")).toEqual({
      rule: "message",
      ok: false,
      error: "Remove the control characters",
    });
  });
});

describe("the command counter", () => {
  it("accepts whole steps from -100 to 100", () => {
    for (const delta of [-100, -1, 0, 1, 100, "5", "-5"])
      expect(counterDeltaSchema.safeParse(delta).success, String(delta)).toBe(true);
    for (const delta of [-101, 101, 1.5, "x"])
      expect(counterDeltaSchema.safeParse(delta).success, String(delta)).toBe(false);
  });
});
