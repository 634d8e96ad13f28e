import { data, redirect } from "react-router";
import { z } from "zod";
import { ChatPanel } from "../components/chat-panel.tsx";
import { requestContext, servicesOf } from "../context.ts";
import { documentHeaders } from "../http/document-headers.ts";
import { readForm, textOf } from "../http/form.ts";
import { formFailure } from "../http/problem.ts";
import { safeRedirectPath } from "../http/redirect-target.ts";
import { DEFAULT_ROOM, messageBodySchema, messageIdSchema, roomIdSchema, rooms } from "../models/chat.ts";
import { AppError } from "../models/errors.ts";
import { isEmailVerified } from "../models/user.ts";
import { requireUser } from "../sessions/guards.ts";
import { viewerOf } from "../sessions/viewer.ts";
import type { Route } from "./+types/chat._index";

const roomQuery = z.object({
  room: roomIdSchema.catch(DEFAULT_ROOM),
  before: messageIdSchema.optional().catch(undefined),
});
const notices = { bot: "The demo bot posted a message." } as const;

interface ChatState {
  readonly formError?: string;
  readonly bodyError?: string;
  /** What was typed, sent back with a refusal so it is not lost (the page re-renders without JavaScript). */
  readonly body?: string;
}

export async function loader({ context, url }: Route.LoaderArgs) {
  const { room: roomId, before } = roomQuery.parse(Object.fromEntries(url.searchParams));
  const services = servicesOf(context);
  const { user } = await viewerOf(context);
  const history = await services.chat.visit(user, roomId, before);
  const oldest = history.messages[0]?.id;
  return {
    streamAfter: history.streamAfter,
    room: rooms.find((room) => room.id === roomId) ?? rooms[0],
    messages: history.messages,
    olderHref: history.hasOlder && oldest ? `/chat?room=${roomId}&before=${oldest}` : undefined,
    latestHref: before ? `/chat?room=${roomId}` : undefined,
    signedIn: user !== null,
    unverified: user !== null && !isEmailVerified(user),
    notice: url.searchParams.get("done") === "bot" ? notices.bot : undefined,
  };
}

export async function action(args: Route.ActionArgs) {
  const { room: roomId } = roomQuery.parse(Object.fromEntries(args.url.searchParams));
  const { services, client } = args.context.get(requestContext);
  const form = await readForm(args.request);
  // The lab's chat panel posts here too and comes back to itself.
  const back = (roomPage: string) => redirect(safeRedirectPath(textOf(form, "next"), roomPage), 303);
  const typed = textOf(form, "body");
  try {
    if (textOf(form, "intent") === "bot") {
      // Members are counted by account, guests by address (never by session id: that is a secret).
      const { user } = await viewerOf(args.context);
      await services.chat.demoBot(user ? `user:${user.id}` : `ip:${client.ip}`, roomId);
      return back(`/chat?room=${roomId}&done=bot`);
    }
    const { user } = await requireUser(args);
    const body = messageBodySchema.safeParse(textOf(form, "body"));
    if (!body.success) return data<ChatState>({ bodyError: body.error.issues[0]?.message, body: typed }, { status: 400 });
    await services.chat.post(user, roomId, body.data);
    return back(`/chat?room=${roomId}`);
  } catch (error) {
    if (error instanceof AppError) return formFailure<ChatState>(error, { body: typed });
    throw error;
  }
}

export const meta: Route.MetaFunction = ({ loaderData }) => [{ title: `${loaderData?.room.name ?? "Chat"} — glassbox chat` }];

export const headers = documentHeaders("private, no-store");

export default function Chat({ loaderData, actionData }: Route.ComponentProps) {
  const state: ChatState | undefined = actionData;
  return (
    <>
      <h1>Chat: {loaderData.room.name}</h1>
      <ChatPanel
        key={loaderData.room.id}
        {...loaderData}
        rooms={rooms}
        formError={state?.formError}
        bodyError={state?.bodyError}
        typedBody={state?.body}
        notice={state ? undefined : loaderData.notice}
        action="/chat"
      />
    </>
  );
}
