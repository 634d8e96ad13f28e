import { z } from "zod";
import "zod-openapi";
import { ACTION_LOG_PAGE, actionLogIdSchema, resourceTypeSchema } from "#app/models/action-log.ts";
import { auditActions } from "#app/models/action-log.ts";
import { messageBodySchema, messageIdSchema, roomIdSchema } from "#app/models/chat.ts";
import { errorCatalogue, type ErrorCode } from "#app/models/errors.ts";
import { roles, userIdSchema } from "#app/models/user.ts";

/**
 * The schemas of the JSON API `/api/v0`: the routes parse their input with them, and the OpenAPI
 * document (`openapi.ts`) is generated from the same objects, so the two cannot drift apart.
 * `.meta({ id })` makes a schema a named component of the document.
 */
const errorCodes = Object.keys(errorCatalogue) as [ErrorCode, ...ErrorCode[]];

const codeDescription = "Stable machine-readable code from the error catalogue (`area:reason`).";

export const problemSchema = z
  .object({
    status: z.int().min(400).max(599).meta({ description: "The HTTP status, repeated." }),
    code: z.enum(errorCodes).meta({ description: codeDescription }),
    message: z
      .string()
      .meta({ description: "What went wrong, for people; for invalid input it names each failing field." }),
  })
  .meta({ id: "Problem", description: "Every error the API answers on purpose." });

/** The problem shape narrowed to the codes one response may carry. */
export const problemWith = (codes: readonly [ErrorCode, ...ErrorCode[]]) =>
  problemSchema.extend({ code: z.enum(codes).meta({ description: codeDescription }) });

const pageLimit = z.coerce
  .number()
  .int()
  .min(1)
  .max(ACTION_LOG_PAGE.max)
  .default(ACTION_LOG_PAGE.default)
  .meta({ description: `How many items per page (1–${ACTION_LOG_PAGE.max}).`, example: 20 });
const nextCursor = (of: string) =>
  z
    .string()
    .nullable()
    .meta({ description: `Pass as \`before\` to get the next, older page of ${of}; null on the last page.` });

// ── /api/v0/me ──────────────────────────────────────────────────────────────────────────────────
export const meSchema = z
  .object({ id: z.uuid(), username: z.string(), email: z.string(), role: z.enum(roles) })
  .meta({ id: "Me", description: "The signed-in account." });

// ── /api/v0/chat/rooms ──────────────────────────────────────────────────────────────────────────
export const roomSchema = z.object({ id: roomIdSchema, name: z.string() }).meta({ id: "Room" });
export const roomListSchema = z.object({ rooms: z.array(roomSchema) }).meta({ id: "RoomList" });

export const roomPathSchema = z.object({
  room: roomIdSchema.meta({ description: "The room's id.", example: "lobby" }),
});

export const messageListQuerySchema = z.strictObject({
  before: messageIdSchema.optional().meta({
    description: "Cursor: only messages older than this message id (a previous page's `nextCursor`).",
    example: "1234",
  }),
  limit: pageLimit,
});

export const chatMessageSchema = z
  .object({
    id: messageIdSchema.meta({ description: "Message ids grow in the order messages were committed within a room." }),
    roomId: roomIdSchema,
    authorName: z.string(),
    body: z.string(),
    status: z
      .enum(["visible", "pending"])
      .meta({ description: "`pending`: held for moderation, shown only to its author until approved." }),
    createdAt: z.iso.datetime(),
    mine: z.boolean().meta({ description: "Whether the signed-in viewer wrote it." }),
  })
  .meta({ id: "ChatMessage" });

export const messagePageSchema = z
  .object({
    messages: z.array(chatMessageSchema).meta({ description: "Newest first." }),
    nextCursor: nextCursor("messages"),
  })
  .meta({ id: "ChatMessagePage" });

export const newMessageSchema = z
  .strictObject({
    body: messageBodySchema.meta({
      description: "1–1000 characters after trimming; no control characters but line breaks and tabs.",
    }),
  })
  .meta({ id: "NewChatMessage" });

// ── /api/v0/action-logs ─────────────────────────────────────────────────────────────────────────
const instant = (description: string) =>
  z.iso
    .datetime({ offset: true })
    .transform((value) => new Date(value))
    .optional()
    .meta({ description, example: "2026-11-21T12:00:00Z" });

export const actionLogQuerySchema = z
  .strictObject({
    before: actionLogIdSchema.optional().meta({
      description: "Cursor: only entries older than this entry id (a previous page's `nextCursor`).",
      example: "1234",
    }),
    limit: pageLimit,
    action: z.enum(auditActions).optional().meta({ description: "Only this action." }),
    actor: userIdSchema
      .optional()
      .meta({ description: "Only actions of this account (members only ever see their own)." }),
    resourceType: resourceTypeSchema.optional().meta({ description: "Only entries about this kind of resource." }),
    resourceId: z
      .string()
      .min(1)
      .max(200)
      .regex(/^\P{Cc}*$/u, "must not contain control characters")
      .optional()
      .meta({ description: "Only entries about this resource (with or without `resourceType`)." }),
    from: instant("Only entries at or after this instant (ISO 8601 with offset)."),
    to: instant("Only entries before this instant (ISO 8601 with offset)."),
  })
  .refine((query) => !query.from || !query.to || query.from < query.to, {
    message: "`from` must be before `to`",
    path: ["from"],
  });

export const actionLogEntrySchema = z
  .object({
    id: actionLogIdSchema.meta({
      description: "Entry ids grow in commit order: the stream's event id and the listing's cursor.",
    }),
    action: z.enum(auditActions),
    actor: z
      .object({ id: z.uuid(), username: z.string().nullable() })
      .nullable()
      .meta({ description: "Who did it; null for the system or an unknown visitor." }),
    ip: z.string().nullable(),
    userAgent: z.string().nullable(),
    resource: z
      .object({ type: resourceTypeSchema, id: z.string() })
      .nullable()
      .meta({ description: "What the action was about, when it was about one thing." }),
    metadata: z.record(z.string(), z.unknown()).meta({ description: "Action-specific details." }),
    occurredAt: z.iso.datetime(),
  })
  .meta({ id: "ActionLogEntry" });

export const actionLogPageSchema = z
  .object({
    entries: z.array(actionLogEntrySchema).meta({ description: "Newest first." }),
    nextCursor: nextCursor("entries"),
  })
  .meta({ id: "ActionLogPage" });

export const actionLogStreamQuerySchema = z.strictObject({
  after: actionLogIdSchema
    .optional()
    .meta({ description: "Start after this entry id (for clients that cannot send `Last-Event-ID`)." }),
});
export const actionLogStreamHeaderSchema = z.object({
  "last-event-id": actionLogIdSchema.optional().meta({
    description: "Sent by EventSource on reconnect: every entry after it is replayed first (it wins over `after`).",
  }),
});
