import { eventStream } from "remix-utils/sse/server";
import { requestContext } from "#app/context.ts";
import { parseEventStreamQuery } from "#app/http/event-stream-query.ts";
import { LIVE_STREAM_HEADERS, liveStream, liveStreamHandle } from "#app/http/live-stream.ts";
import { problemResponse } from "#app/http/problem.ts";
import { networkOf } from "#app/models/client-info.ts";
import { AppError } from "#app/models/errors.ts";
import { viewerOf } from "#app/sessions/viewer.server.ts";
import type { Route } from "./+types/events";

/**
 * `GET /events?tab=<uuid>&room=<room>&after=<id>&lab=1`: the one event stream of a browser tab, on
 * remix-utils' `eventStream`, fed by the realtime hub (services/realtime.server.ts): `chat` frames (`id:` =
 * message id), on a lab tab also `trace`, `timeline` and `counter`, a heartbeat every 15 s. On
 * reconnect, Last-Event-ID replays every missed message in order. One visitor and one network hold
 * a limited number of streams (decision 0016): the next is a 429 `stream:too_many`.
 */
export const handle = liveStreamHandle;

export async function loader({ request, context, url }: Route.LoaderArgs) {
  const query = parseEventStreamQuery(url.searchParams, request.headers.get("Last-Event-ID"));
  if (query instanceof AppError) return problemResponse(query);
  const { services, visitorId, client, connection } = context.get(requestContext);
  const { user } = await viewerOf(context);
  const slot = services.streamQuota.admit(visitorId, networkOf(client.ip));
  if (slot instanceof AppError) return problemResponse(slot);
  const viewer = {
    roomId: query.room,
    viewerId: user?.id ?? null,
    visitorId,
    lab: query.lab,
    traceAfter: query.traceAfter,
  };
  return eventStream(
    request.signal,
    liveStream(connection(), slot, (sink) =>
      services.realtime.subscribe(`${visitorId}:${query.tab}`, viewer, sink, query.after),
    ),
    { headers: LIVE_STREAM_HEADERS },
  );
}
