import { z } from "zod";

/** The chat's rules (DESIGN.md, Live chat) as types and pure functions. */
export const rooms = [
  { id: "lobby", name: "Lobby" },
  { id: "demo", name: "Demo" },
  { id: "support", name: "Support" },
] as const;
export type RoomId = (typeof rooms)[number]["id"];
export const DEFAULT_ROOM: RoomId = "lobby";
export const roomIdSchema = z.enum(rooms.map((room) => room.id) as [RoomId, ...RoomId[]]);

export const messageStatuses = ["visible", "pending", "removed"] as const;
export type MessageStatus = (typeof messageStatuses)[number];

/** Message ids are Postgres bigints, carried as their decimal text. */
const MAX_BIGINT = 2n ** 63n - 1n;
export const messageIdSchema = z
  .string()
  .refine((value) => /^[1-9]\d{0,18}$/.test(value) && BigInt(value) <= MAX_BIGINT, "Not a message id")
  .brand<"MessageId">();
export type MessageId = z.infer<typeof messageIdSchema>;

export const MAX_BODY_LENGTH = 1000;
export const messageBodySchema = z
  .string({ error: "Write a message" })
  .trim()
  .min(1, "Write a message")
  .max(MAX_BODY_LENGTH, `Keep it to ${MAX_BODY_LENGTH} characters`)
  // Line breaks and tabs are text; other control characters (NUL above all) are not.
  .refine((value) => !/(?![\n\r\t])\p{Cc}/u.test(value), "Remove the control characters")
  .brand<"MessageBody">();
export type MessageBody = z.infer<typeof messageBodySchema>;

export interface ChatMessage {
  readonly id: MessageId;
  readonly roomId: RoomId;
  /** Null for the demo bot. */
  readonly authorId: string | null;
  readonly authorName: string;
  readonly body: string;
  readonly status: MessageStatus;
  readonly createdAt: Date;
}

export type HoldReason = "auto";

/** Long messages and messages with links wait for a moderator before others see them. */
const HOLD_LENGTH = 300;
const LINK = /\bhttps?:\/\/|\bwww\.|\b[a-z0-9-]+\.(?:com|net|org|io|dev|app|co|uk|de|info|biz|xyz|ru|cn)\b/i;
export function holdReason(body: MessageBody): HoldReason | undefined {
  return body.length > HOLD_LENGTH || LINK.test(body) ? "auto" : undefined;
}

/** Who may read a message: everyone once visible; its author while it is pending. */
export function canSee(message: Pick<ChatMessage, "status" | "authorId">, viewerId: string | null): boolean {
  return (
    message.status === "visible" || (message.status === "pending" && viewerId !== null && message.authorId === viewerId)
  );
}

export const moderationDecisions = ["approved", "removed"] as const;
export type ModerationDecision = (typeof moderationDecisions)[number];

export const HISTORY_PAGE = 50;
export const MESSAGE_RATE = { attempts: 5, windowSecs: 10 } as const;

/** What a `chat` frame of `/events` carries (decision 0023). */
export type ChatStreamEvent =
  | { readonly type: "message"; readonly message: ChatMessageView }
  | { readonly type: "approved"; readonly message: ChatMessageView }
  | { readonly type: "removed"; readonly id: MessageId }
  | { readonly type: "resync" };

/** A message as a viewer gets it (pages, the API, the `chat` frames): `mine` for its author. */
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
