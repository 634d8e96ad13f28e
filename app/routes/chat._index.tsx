import { data, replace } from "react-router";
import { z } from "zod";
import type { ChatRefusal } from "#app/components/chat-compose.tsx";
import { ChatPanel } from "#app/components/chat-panel.tsx";
import { requestContext, servicesOf } from "#app/context.ts";
import { documentHeaders } from "#app/http/document-headers.ts";
import { readForm, textOf } from "#app/http/form.ts";
import { pageMeta } from "#app/http/page-meta.ts";
import { formFailure } from "#app/http/problem.ts";
import { safeRedirectPath } from "#app/http/redirect-target.ts";
import { withSearchParam } from "#app/http/search-param.ts";
import { DEFAULT_ROOM, messageBodySchema, messageIdSchema, roomIdSchema, rooms } from "#app/models/chat.ts";
import { AppError } from "#app/models/errors.ts";
import { isEmailVerified } from "#app/models/user.ts";
import { requireUser } from "#app/sessions/guards.server.ts";
import { viewerOf } from "#app/sessions/viewer.server.ts";
import type { Route } from "./+types/chat._index";

const roomQuery = z.object({
  room: roomIdSchema.catch(DEFAULT_ROOM),
  before: messageIdSchema.optional().catch(undefined),
});

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
    botDone: url.searchParams.get("done") === "bot",
    unverified: user !== null && !isEmailVerified(user),
  };
}

export async function action(args: Route.ActionArgs) {
  const { room: roomId } = roomQuery.parse(Object.fromEntries(args.url.searchParams));
  const { services, client } = args.context.get(requestContext);
  const form = await readForm(args.request);
  // The lab's chat panel posts here too and comes back to itself. `replace`: with JavaScript the
  // redirect that follows a post in the background takes the page's history entry instead of adding one.
  const roomPage = `/chat?room=${roomId}`;
  const back = (done?: "bot") => {
    const target = safeRedirectPath(textOf(form, "next"), roomPage);
    return replace(done ? withSearchParam(target, "done", done) : target, 303);
  };
  const typed = textOf(form, "body");
  try {
    if (textOf(form, "intent") === "bot") {
      // Members are counted by account, guests by address (never by session id: that is a secret).
      const { user } = await viewerOf(args.context);
      await services.chat.demoBot(user ? `user:${user.id}` : `ip:${client.ip}`, roomId);
      return back("bot");
    }
    const { user } = await requireUser(args);
    const body = messageBodySchema.safeParse(textOf(form, "body"));
    if (!body.success)
      return data<ChatRefusal>({ bodyError: body.error.issues[0]?.message, body: typed }, { status: 400 });
    await services.chat.post(user, roomId, body.data);
    return back();
  } catch (error) {
    if (error instanceof AppError) return formFailure<ChatRefusal>(error, { body: typed });
    throw error;
  }
}

export const meta: Route.MetaFunction = ({ loaderData }) =>
  pageMeta({
    title: `${loaderData?.room.name ?? "Chat"} — glassbox chat`,
    description: "The live chat room: messages are stored before anyone sees them and pushed to every open tab.",
  });

export const headers = documentHeaders("private, no-store");

export default function Chat({ loaderData, actionData }: Route.ComponentProps) {
  const refusal: ChatRefusal | undefined = actionData;
  return (
    <>
      <h1>Chat: {loaderData.room.name}</h1>
      <ChatPanel
        key={loaderData.room.id}
        {...loaderData}
        rooms={rooms}
        refusal={refusal}
        botDone={!refusal && loaderData.botDone}
        action="/chat"
      />
    </>
  );
}
