import { describe, expect, it } from "vitest";
import {
  addToBatch,
  instanceChannel,
  instanceIdSchema,
  parseInstanceNotice,
  parseTabNotice,
  RELAY_BATCH_MAX,
  relayedTracesSchema,
} from "#app/models/lab-relay.ts";

/** What instances tell each other about the lab (docs/decisions/0024): only well-formed notices are acted on. */
const instance = instanceIdSchema.parse("0123456789ab");
const event = {
  seq: 7,
  time: "2026-12-04T18:00:00.000Z",
  level: "info",
  kind: "sql",
  message: "select 1",
  requestId: "r1",
  request: "GET /lab",
  userId: null,
  fields: { ms: 1.5 },
};

describe("instance ids and channels", () => {
  it("takes 12 lowercase hex characters, and names the instance's channel after it", () => {
    expect(instanceChannel(instance)).toBe("lab_instance_0123456789ab");
    for (const bad of ["", "0123456789AB", "0123456789a", "0123456789abc", "lab_tabs; drop"])
      expect(instanceIdSchema.safeParse(bad).success, bad).toBe(false);
  });
});

describe("notices", () => {
  it("parses the shared channel's opened, closed and cancel notices", () => {
    expect(parseTabNotice(JSON.stringify({ kind: "opened", instance, tab: "v:t", visitor: "v" }))).toEqual({
      kind: "opened",
      instance,
      tab: "v:t",
      visitor: "v",
    });
    expect(parseTabNotice(JSON.stringify({ kind: "closed", instance, tab: "v:t" }))).toEqual({
      kind: "closed",
      instance,
      tab: "v:t",
    });
    expect(parseTabNotice(JSON.stringify({ kind: "cancel", key: "v:t", generation: 3 }))).toEqual({
      kind: "cancel",
      key: "v:t",
      generation: 3,
    });
  });

  it("parses an instance's counter and traces notices", () => {
    expect(
      parseInstanceNotice(JSON.stringify({ kind: "counter", tab: "v:t", event: { type: "count", count: 4 } })),
    ).toEqual({ kind: "counter", tab: "v:t", event: { type: "count", count: 4 } });
    expect(parseInstanceNotice(JSON.stringify({ kind: "traces", batch: "42" }))).toEqual({
      kind: "traces",
      batch: "42",
    });
  });

  it("ignores anything else: not JSON, unknown kinds, a bad instance, a negative count, a batch id that is not a number", () => {
    for (const payload of [
      "",
      "{",
      "null",
      "[]",
      '{"kind":"opened"}',
      JSON.stringify({ kind: "opened", instance: "XYZ", tab: "t", visitor: "v" }),
      JSON.stringify({ kind: "cancel", key: "k", generation: 1.5 }),
    ]) {
      expect(parseTabNotice(payload), payload).toBeUndefined();
    }
    for (const payload of [
      "x",
      JSON.stringify({ kind: "counter", tab: "t", event: { type: "count", count: -1 } }),
      JSON.stringify({ kind: "traces", batch: "1; drop" }),
      JSON.stringify({ kind: "cancel", key: "k", generation: 1 }),
    ]) {
      expect(parseInstanceNotice(payload), payload).toBeUndefined();
    }
  });
});

describe("relayed trace batches", () => {
  it("keep the newest RELAY_BATCH_MAX events of a tick", () => {
    const batch: number[] = [];
    for (let i = 1; i <= RELAY_BATCH_MAX + 20; i++) addToBatch(batch, i);
    expect(batch).toHaveLength(RELAY_BATCH_MAX);
    expect(batch[0]).toBe(21);
    expect(batch.at(-1)).toBe(RELAY_BATCH_MAX + 20);
  });

  it("accept only trace events of known kinds", () => {
    expect(relayedTracesSchema.safeParse([{ visitorId: "v", event }]).success).toBe(true);
    expect(relayedTracesSchema.safeParse([{ visitorId: "v", event: { ...event, kind: "secret.kind" } }]).success).toBe(
      false,
    );
    expect(
      relayedTracesSchema.safeParse([{ visitorId: "v", event: { ...event, fields: { nested: { a: 1 } } } }]).success,
    ).toBe(false);
  });
});
