import { sql, type Kysely, type Selectable } from "kysely";
import type { AuditAction } from "./action-log.ts";
import { createAuditRepository } from "./audit-repository.server.ts";
import type { ChatMessagesTable, Database } from "./database.server.ts";
import type { UserId } from "./user.ts";
import type {
  ChatMessage,
  HoldReason,
  MessageBody,
  MessageId,
  MessageStatus,
  ModerationDecision,
  RoomId,
} from "./chat.ts";

/** Chat rows: memberships, messages and their moderation, their action log entries, and change notices. */
export const CHAT_CHANNEL = "chat_events";

/** How messages of a deleted account are signed. */
export const DELETED_AUTHOR = "deleted user";

export type ChatAuditAction = Extract<AuditAction, `chat.${string}`>;

/** What a notice says happened to the message it names (payload `<id>:<change>`). */
export type ChatChange = "posted" | "approved" | "removed";

/** Whose eyes a query reads with: a viewer's (visible and their own pending), or the hub's (all but removed). */
export type Audience = { readonly viewerId: string | null } | { readonly includePending: true };

export interface QueuedMessage extends ChatMessage {
  readonly reason: HoldReason;
  readonly queuedAt: Date;
}

const messageColumns = ["id", "room_id", "author_id", "author_name", "body", "status", "created_at"] as const;

function toMessage(row: Pick<Selectable<ChatMessagesTable>, (typeof messageColumns)[number]>): ChatMessage {
  return {
    id: row.id as MessageId,
    roomId: row.room_id as RoomId,
    authorId: row.author_id,
    authorName: row.author_name,
    body: row.body,
    status: row.status,
    createdAt: row.created_at,
  };
}

export function createChatRepository(db: Kysely<Database>) {
  /** Messages the audience may see: visible ones, plus the viewer's own pending ones (or all pending). */
  const visibleTo = (audience: Audience) =>
    db
      .selectFrom("chat_messages")
      .select(messageColumns)
      .where((eb) => {
        if ("includePending" in audience) return eb("status", "in", ["visible", "pending"]);
        if (audience.viewerId === null) return eb("status", "=", "visible");
        return eb.or([
          eb("status", "=", "visible"),
          eb.and([eb("status", "=", "pending"), eb("author_id", "=", audience.viewerId)]),
        ]);
      });

  return {
    /** True when this call made the membership (so joining twice is one join). */
    async join(roomId: RoomId, userId: string): Promise<boolean> {
      const row = await db
        .insertInto("chat_memberships")
        .values({ room_id: roomId, user_id: userId })
        .onConflict((oc) => oc.doNothing())
        .returning("room_id")
        .executeTakeFirst();
      return row !== undefined;
    },

    /**
     * Inserts the message while holding the room's row lock, so ids commit in order within a room
     * (a reader that has seen id N never later meets a smaller id in that room). NO KEY UPDATE, not
     * UPDATE: it must not conflict with the key-share locks that foreign keys to the room take
     * (a membership made in the same or another transaction), or concurrent first posts deadlock.
     */
    async insert(message: {
      roomId: RoomId;
      authorId: string | null;
      authorName: string;
      body: MessageBody;
      status: MessageStatus;
    }): Promise<ChatMessage> {
      await db
        .selectFrom("chat_rooms")
        .select("id")
        .where("id", "=", message.roomId)
        .forNoKeyUpdate()
        .executeTakeFirstOrThrow();
      const row = await db
        .insertInto("chat_messages")
        .values({
          room_id: message.roomId,
          author_id: message.authorId,
          author_name: message.authorName,
          body: message.body,
          status: message.status,
        })
        .returning(messageColumns)
        .executeTakeFirstOrThrow();
      return toMessage(row);
    },

    /** A deleted account's messages stay, signed DELETED_AUTHOR (the foreign key then clears the author); how many. */
    async anonymiseAuthor(userId: UserId): Promise<number> {
      const result = await db
        .updateTable("chat_messages")
        .set({ author_name: DELETED_AUTHOR })
        .where("author_id", "=", userId)
        .executeTakeFirst();
      return Number(result.numUpdatedRows);
    },

    async enqueue(messageId: MessageId, reason: HoldReason): Promise<void> {
      await db.insertInto("chat_moderation_queue").values({ message_id: messageId, reason }).execute();
    },

    async find(id: MessageId): Promise<ChatMessage | undefined> {
      const row = await db.selectFrom("chat_messages").select(messageColumns).where("id", "=", id).executeTakeFirst();
      return row && toMessage(row);
    },

    /** The newest `limit` messages before `before` (all when unset), oldest first, and whether older ones exist. */
    async page(
      roomId: RoomId,
      viewerId: string | null,
      limit: number,
      before?: MessageId,
    ): Promise<{ messages: ChatMessage[]; hasOlder: boolean }> {
      let query = visibleTo({ viewerId })
        .where("room_id", "=", roomId)
        .orderBy("id", "desc")
        .limit(limit + 1);
      if (before) query = query.where("id", "<", before);
      const rows = await query.execute();
      return { messages: rows.slice(0, limit).reverse().map(toMessage), hasOlder: rows.length > limit };
    },

    /** Every message after `after` the audience may see, in order: what a reconnecting stream missed. */
    async since(roomId: RoomId, audience: Audience, after: MessageId, limit: number): Promise<ChatMessage[]> {
      const rows = await visibleTo(audience)
        .where("room_id", "=", roomId)
        .where("id", ">", after)
        .orderBy("id")
        .limit(limit)
        .execute();
      return rows.map(toMessage);
    },

    async latestId(roomId: RoomId): Promise<MessageId | undefined> {
      const row = await db
        .selectFrom("chat_messages")
        .select("id")
        .where("room_id", "=", roomId)
        .orderBy("id", "desc")
        .limit(1)
        .executeTakeFirst();
      return row?.id as MessageId | undefined;
    },

    /** The open moderation queue, oldest first. */
    async queue(limit: number, after?: MessageId): Promise<QueuedMessage[]> {
      let query = db
        .selectFrom("chat_moderation_queue as q")
        .innerJoin("chat_messages as m", "m.id", "q.message_id")
        .select([
          "m.id",
          "m.room_id",
          "m.author_id",
          "m.author_name",
          "m.body",
          "m.status",
          "m.created_at",
          "q.reason",
          "q.queued_at",
        ])
        .where("q.decision", "is", null)
        .orderBy("q.message_id")
        .limit(limit);
      if (after) query = query.where("q.message_id", ">", after);
      const rows = await query.execute();
      return rows.map((row) => ({ ...toMessage(row), reason: row.reason as HoldReason, queuedAt: row.queued_at }));
    },

    /** Records the decision only if the message is still undecided; the message otherwise. */
    async decide(
      messageId: MessageId,
      decision: ModerationDecision,
      moderatorId: string,
    ): Promise<ChatMessage | undefined> {
      const decided = await db
        .updateTable("chat_moderation_queue")
        .set({ decision, decided_by: moderatorId, decided_at: sql<Date>`now()` })
        .where("message_id", "=", messageId)
        .where("decision", "is", null)
        .returning("message_id")
        .executeTakeFirst();
      if (!decided) return undefined;
      const row = await db
        .updateTable("chat_messages")
        .set({ status: decision === "approved" ? "visible" : "removed" })
        .where("id", "=", messageId)
        .returning(messageColumns)
        .executeTakeFirstOrThrow();
      return toMessage(row);
    },

    /** An action log entry about the room (the action log's resource). */
    async audit(entry: {
      actorId: UserId | null;
      roomId: RoomId;
      action: ChatAuditAction;
      metadata?: Record<string, unknown>;
    }): Promise<void> {
      await createAuditRepository(db).record({
        actorId: entry.actorId,
        action: entry.action,
        client: null,
        resource: { type: "chat_room", id: entry.roomId },
        metadata: entry.metadata,
      });
    },

    /** Tells every instance's listener about a change; inside a transaction it is sent at commit. */
    async notify(messageId: MessageId, change: ChatChange): Promise<void> {
      await sql`select pg_notify(${CHAT_CHANNEL}, ${`${messageId}:${change}`})`.execute(db);
    },
  };
}

export type ChatRepository = ReturnType<typeof createChatRepository>;
