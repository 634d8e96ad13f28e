import type { Kysely } from "kysely";
import type pg from "pg";
import {
  holdReason,
  MESSAGE_RATE,
  HISTORY_PAGE,
  viewOf,
  type ChatMessage,
  type ChatMessageView,
  type MessageBody,
  type MessageId,
  type ModerationDecision,
  type RoomId,
} from "#app/models/chat.ts";
import { createChatRepository, type ChatRepository, type QueuedMessage } from "#app/models/chat-repository.server.ts";
import type { Database } from "#app/models/database.server.ts";
import { AppError } from "#app/models/errors.ts";
import { combineVerdicts, createLimiter } from "#app/models/rate-limit.ts";
import { hasRole, isEmailVerified, type User } from "#app/models/user.ts";
import type { Tracer } from "./trace.server.ts";

/** The chat's use cases: join, read, post (rate-limited, held when risky), the demo bot, moderation. */
const BOT_NAME = "demo bot";
const BOT_LINES = [
  "Beep. This message went through Postgres, NOTIFY, and every instance's listener before reaching you.",
  "Hello from the demo bot: open this room in a second window to watch the fan-out.",
  "Every chat message is committed first, then announced. Reconnect and you get what you missed.",
];

/** The first visit makes the membership and its audit row; later ones change nothing. */
async function joinOnce(repository: ChatRepository, user: User, roomId: RoomId): Promise<void> {
  if (await repository.join(roomId, user.id)) await repository.audit({ actorId: user.id, roomId, action: "chat.join" });
}

export function createChatService({ db, pool, tracer }: { db: Kysely<Database>; pool: pg.Pool; tracer: Tracer }) {
  /** A committed message, as the trace shows it (its body stays out of traces). */
  const incoming = (message: ChatMessage) =>
    tracer.record("chat.incoming", `message ${message.id} into ${message.roomId} (${message.status})`, {
      room: message.roomId,
      status: message.status,
      length: message.body.length,
    });
  const chat = createChatRepository(db);
  const perMember = createLimiter(pool, "chat_rate_windows", "message", MESSAGE_RATE);
  const botPerClient = createLimiter(pool, "chat_rate_windows", "bot", { attempts: 1, windowSecs: 10 });
  const botOverall = createLimiter(pool, "chat_rate_windows", "bot-all", { attempts: 10, windowSecs: 60 });

  function assertModerator(user: User): void {
    if (!hasRole(user, "moderator")) throw new AppError("auth:forbidden");
  }

  async function join(user: User, roomId: RoomId): Promise<void> {
    await db.transaction().execute(async (trx) => {
      await joinOnce(createChatRepository(trx), user, roomId);
    });
  }

  /** The newest messages (before the cursor), oldest first, as this viewer may see them. */
  async function history(
    roomId: RoomId,
    viewer: User | null,
    before?: MessageId,
  ): Promise<{ messages: ChatMessageView[]; hasOlder: boolean }> {
    const viewerId = viewer?.id ?? null;
    const page = await chat.page(roomId, viewerId, HISTORY_PAGE, before);
    return { messages: page.messages.map((message) => viewOf(message, viewerId)), hasOlder: page.hasOlder };
  }

  return {
    /** Idempotent: joining twice is one join. */
    join,

    history,

    /** A page of the room, newest first, as this viewer may see it; `nextCursor` continues with older ones. */
    async messages(
      roomId: RoomId,
      viewer: User | null,
      page: { before?: MessageId; limit: number },
    ): Promise<{ messages: ChatMessageView[]; nextCursor: MessageId | null }> {
      const viewerId = viewer?.id ?? null;
      const found = await chat.page(roomId, viewerId, page.limit, page.before);
      const messages = found.messages.map((message) => viewOf(message, viewerId)).reverse();
      return { messages, nextCursor: found.hasOlder ? (messages.at(-1)?.id ?? null) : null };
    },

    /** Throws `auth:email_not_verified` until the member's address is proven, `chat:rate_limited` beyond 5 messages in 10 s per member and room. */
    async post(user: User, roomId: RoomId, body: MessageBody): Promise<ChatMessageView> {
      if (!isEmailVerified(user)) throw new AppError("auth:email_not_verified");
      const verdict = await perMember.consume(`${roomId}:${user.id}`);
      if (!verdict.allowed) throw new AppError("chat:rate_limited", verdict.retryAfterSecs);
      const reason = holdReason(body);
      const message = await db.transaction().execute(async (trx) => {
        const repository = createChatRepository(trx);
        await joinOnce(repository, user, roomId);
        const posted = await repository.insert({
          roomId,
          authorId: user.id,
          authorName: user.username,
          body,
          status: reason ? "pending" : "visible",
        });
        if (reason) await repository.enqueue(posted.id, reason);
        await repository.audit({
          actorId: user.id,
          roomId,
          action: "chat.post",
          metadata: { messageId: posted.id, status: posted.status, ...(reason ? { reason } : {}) },
        });
        await repository.notify(posted.id, "posted");
        return posted;
      });
      incoming(message);
      return viewOf(message, user.id);
    },

    /** A canned message any visitor can trigger, to watch the fan-out without an account. */
    async demoBot(clientKey: string, roomId: RoomId): Promise<ChatMessageView> {
      const verdict = combineVerdicts(await Promise.all([botPerClient.consume(clientKey), botOverall.consume("all")]));
      if (!verdict.allowed) throw new AppError("chat:bot_busy", verdict.retryAfterSecs);
      const body = BOT_LINES[Math.floor(Math.random() * BOT_LINES.length)] as MessageBody;
      const message = await db.transaction().execute(async (trx) => {
        const repository = createChatRepository(trx);
        const posted = await repository.insert({
          roomId,
          authorId: null,
          authorName: BOT_NAME,
          body,
          status: "visible",
        });
        await repository.audit({ actorId: null, roomId, action: "chat.bot", metadata: { messageId: posted.id } });
        await repository.notify(posted.id, "posted");
        return posted;
      });
      incoming(message);
      return viewOf(message, null);
    },

    /** The room's newest message id, whoever may see it: where a fresh page's stream starts. */
    latestId: (roomId: RoomId): Promise<MessageId | undefined> => chat.latestId(roomId),

    /**
     * A visit to a room (the room page, the lab's chat panel): a member joins it (idempotent), and
     * gets the history page plus the id the live stream starts after ("0": everything is new).
     */
    async visit(
      viewer: User | null,
      roomId: RoomId,
      before?: MessageId,
    ): Promise<{ messages: ChatMessageView[]; hasOlder: boolean; streamAfter: MessageId }> {
      if (viewer) await join(viewer, roomId);
      const page = await history(roomId, viewer, before);
      const streamAfter = page.messages.at(-1)?.id ?? (await chat.latestId(roomId)) ?? ("0" as MessageId);
      return { ...page, streamAfter };
    },

    /** Held messages, oldest first, 50 at a time after the cursor. */
    async moderationQueue(moderator: User, after?: MessageId): Promise<QueuedMessage[]> {
      assertModerator(moderator);
      return chat.queue(HISTORY_PAGE, after);
    },

    /** Approves or removes a held message; a second decision is `chat:already_decided` (409). */
    async decide(moderator: User, messageId: MessageId, decision: ModerationDecision): Promise<void> {
      assertModerator(moderator);
      await db.transaction().execute(async (trx) => {
        const repository = createChatRepository(trx);
        const decided = await repository.decide(messageId, decision, moderator.id);
        if (!decided)
          throw new AppError((await repository.find(messageId)) ? "chat:already_decided" : "chat:message_not_found");
        await repository.audit({
          actorId: moderator.id,
          roomId: decided.roomId,
          action: decision === "approved" ? "chat.approve" : "chat.remove",
          metadata: { messageId, author: decided.authorName },
        });
        await repository.notify(messageId, decision === "approved" ? "approved" : "removed");
      });
    },
  };
}

export type ChatService = ReturnType<typeof createChatService>;
