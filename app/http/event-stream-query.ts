import { z } from "zod";
import { DEFAULT_ROOM, messageIdSchema, roomIdSchema, type MessageId, type RoomId } from "#app/models/chat.ts";
import { AppError } from "#app/models/errors.ts";

/**
 * What a tab asks of `/events?tab=<uuid>&room=<room>&after=<id>&lab=1`: one stream per tab, the room whose
 * changes it follows, and where to resume. A reconnecting browser's `Last-Event-ID` wins over
 * `after=` (a fresh page's newest message; "0" when the room it showed was empty).
 */
export interface EventStreamQuery {
  readonly tab: string;
  readonly room: RoomId;
  readonly after?: MessageId;
  /** `lab=1`: the lab page's stream, which also carries trace, timeline and counter events. */
  readonly lab: boolean;
  /** `trace=<n>`: the lab page showed trace events up to number n. */
  readonly traceAfter?: number;
}

const queryShape = z.object({
  tab: z.uuid(),
  room: roomIdSchema.default(DEFAULT_ROOM),
  after: z.union([messageIdSchema, z.literal("0").transform(() => "0" as MessageId)]).optional(),
  lab: z
    .enum(["0", "1"])
    .default("0")
    .transform((flag) => flag === "1"),
  trace: z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
});

export function parseEventStreamQuery(
  params: URLSearchParams,
  lastEventId: string | null,
): EventStreamQuery | AppError {
  const query = queryShape.safeParse(Object.fromEntries(params));
  if (!query.success) return new AppError("stream:invalid_request");
  const resumeAt = messageIdSchema.safeParse(lastEventId);
  const { trace, ...rest } = query.data;
  return { ...rest, traceAfter: trace, after: resumeAt.success ? resumeAt.data : query.data.after };
}
