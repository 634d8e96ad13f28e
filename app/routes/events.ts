import { z } from "zod";
import { requestContext } from "../context.ts";
import { problemResponse } from "../http/problem.ts";
import { sseResponse } from "../http/sse.ts";
import { DEFAULT_ROOM, messageIdSchema, roomIdSchema, type MessageId } from "../models/chat.ts";
import { AppError } from "../models/errors.ts";
import { viewerOf } from "../sessions/viewer.ts";
import type { Route } from "./+types/events";

/**
 * The one event stream of a browser tab: `/events?tab=<uuid>&room=<room>`. Named events (`chat`
 * now), `id:` = message id, a heartbeat every 15 s. On reconnect the browser sends Last-Event-ID
 * and gets every message it missed, in order; a fresh page passes `after=` (its newest message).
 */
const streamQuery = z.object({
  tab: z.uuid(),
  room: roomIdSchema.default(DEFAULT_ROOM),
  // "0": the page showed an empty room, so everything is new.
  after: z.union([messageIdSchema, z.literal("0").transform(() => "0" as MessageId)]).optional(),
});

export async function loader({ request, context, url }: Route.LoaderArgs) {
  const query = streamQuery.safeParse(Object.fromEntries(url.searchParams));
  if (!query.success) return problemResponse(new AppError("stream:invalid_request"));
  const { services, disconnected, log } = context.get(requestContext);
  const { user, session } = await viewerOf(context);
  const lastEventId = messageIdSchema.safeParse(request.headers.get("Last-Event-ID"));
  const after = lastEventId.success ? lastEventId.data : query.data.after;
  const viewerId = user?.id ?? null;

  return sseResponse(
    disconnected,
    (channel) => {
      let unsubscribe: (() => void) | undefined;
      let ended = false;
      services.realtime
        .subscribe({ key: `${session.id || "guest"}:${query.data.tab}`, roomId: query.data.room, viewerId, deliver: channel.send, close: channel.close }, after)
        .then(
          (stop) => (ended ? stop() : (unsubscribe = stop)),
          (error: unknown) => {
            log.warn({ err: error }, "event stream could not start");
            channel.close("the server could not replay missed messages");
          },
        );
      return () => {
        ended = true;
        unsubscribe?.();
      };
    },
    { onClose: (reason) => log.debug({ reason }, "event stream closed") },
  );
}
