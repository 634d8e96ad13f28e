import { z } from "zod";
import type { CommandEvent } from "./lab.ts";
import { traceKinds, type TraceEvent, type TraceKind } from "./trace.ts";

/**
 * The lab across instances (docs/decisions/0024): what instances tell each other over LISTEN/NOTIFY.
 * - `lab_tabs`, heard by every instance: a lab tab's stream opened or closed on an instance (so
 *   requests served elsewhere know where its visitor's traces must go), and "cancel the cancelable
 *   work of this tab before this generation".
 * - `lab_instance_<id>`, one per instance: what is addressed to that instance's tabs, a counter
 *   event for one tab or the id of a batch of trace events (stored in `lab_trace_batches`: a
 *   payload is capped near 8 kB, a tick of a burst's traces is not).
 */
export const LAB_TABS_CHANNEL = "lab_tabs";

/** 12 hex characters: random per process, so a restarted instance never inherits another's tabs. */
export const instanceIdSchema = z
  .string()
  .regex(/^[0-9a-f]{12}$/)
  .brand<"InstanceId">();
export type InstanceId = z.infer<typeof instanceIdSchema>;
export const instanceChannel = (instance: InstanceId): string => `lab_instance_${instance}`;

/** A tick's trace events for one destination: at most this many (the newest), as many as a lab page keeps. */
export const RELAY_BATCH_MAX = 500;
export const RELAY_TICK_MS = 100;

const commandEventSchema: z.ZodType<CommandEvent> = z.discriminatedUnion("type", [
  z.object({ type: z.literal("count"), count: z.number().int().min(0) }),
  z.object({
    type: z.literal("guarded"),
    state: z.enum(["queued", "running", "done"]),
    count: z.number().int().min(0),
  }),
  z.object({ type: z.literal("cancelable"), state: z.enum(["started", "cancelled", "done"]) }),
]);

const tabNoticeSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("opened"), instance: instanceIdSchema, tab: z.string(), visitor: z.string() }),
  z.object({ kind: z.literal("closed"), instance: instanceIdSchema, tab: z.string() }),
  z.object({ kind: z.literal("cancel"), key: z.string(), generation: z.number().int() }),
]);
export type TabNotice = z.infer<typeof tabNoticeSchema>;

const instanceNoticeSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("counter"), tab: z.string(), event: commandEventSchema }),
  z.object({ kind: z.literal("traces"), batch: z.string().regex(/^\d+$/) }),
]);
export type InstanceNotice = z.infer<typeof instanceNoticeSchema>;

const kinds = Object.keys(traceKinds) as [TraceKind, ...TraceKind[]];
const traceEventSchema: z.ZodType<TraceEvent> = z.object({
  seq: z.number(),
  time: z.string(),
  level: z.enum(["debug", "info", "warn", "error"]),
  kind: z.enum(kinds),
  message: z.string(),
  requestId: z.string().nullable(),
  request: z.string().nullable(),
  userId: z.string().nullable(),
  fields: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])),
});

/** One visitor's trace event, as one instance hands it to another (the visitor id never reaches a page). */
export interface RelayedTrace {
  readonly visitorId: string;
  readonly event: TraceEvent;
}
export const relayedTracesSchema = z.array(z.object({ visitorId: z.string(), event: traceEventSchema }));

const parseJson = <T>(schema: z.ZodType<T>, payload: string): T | undefined => {
  try {
    const parsed = schema.safeParse(JSON.parse(payload));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
};
export const parseTabNotice = (payload: string): TabNotice | undefined => parseJson(tabNoticeSchema, payload);
export const parseInstanceNotice = (payload: string): InstanceNotice | undefined =>
  parseJson(instanceNoticeSchema, payload);

/** Adds `item` to a tick's batch, keeping the newest RELAY_BATCH_MAX: a burst costs one bounded batch per tick. */
export function addToBatch<T>(batch: T[], item: T): void {
  batch.push(item);
  if (batch.length > RELAY_BATCH_MAX) batch.shift();
}
