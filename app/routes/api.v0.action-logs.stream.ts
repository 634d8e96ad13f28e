import { eventStream } from "remix-utils/sse/server";
import { requestContext } from "#app/context.ts";
import { parseParameters, queryOf } from "#app/http/api.ts";
import { actionLogStreamHeaderSchema, actionLogStreamQuerySchema } from "#app/http/api-schemas.ts";
import { LIVE_STREAM_HEADERS, liveStream, liveStreamHandle } from "#app/http/live-stream.ts";
import { problemResponse } from "#app/http/problem.ts";
import { networkOf } from "#app/models/client-info.ts";
import { AppError } from "#app/models/errors.ts";
import { requireUser } from "#app/sessions/guards.server.ts";
import type { Route } from "./+types/api.v0.action-logs.stream";

/**
 * `GET /api/v0/action-logs/stream`: new action log entries as server-sent events on remix-utils'
 * `eventStream` (`event: action`, `id:` = entry id), what the viewer may see of them (admins all,
 * members their own; guests 401). `Last-Event-ID` (or `?after=`) replays what the client missed
 * first. It shares the stream caps with `/events` (decision 0016).
 */
export const handle = liveStreamHandle;

export async function loader(args: Route.LoaderArgs) {
  const { request, context, url } = args;
  const query = parseParameters(actionLogStreamQuerySchema, queryOf(url));
  const header = parseParameters(actionLogStreamHeaderSchema, {
    "last-event-id": request.headers.get("Last-Event-ID") || undefined,
  });
  const { user } = await requireUser(args, "resource");
  const { services, visitorId, client, connection } = context.get(requestContext);
  const slot = services.streamQuota.admit(visitorId, networkOf(client.ip));
  if (slot instanceof AppError) return problemResponse(slot);
  return eventStream(
    request.signal,
    liveStream(connection(), slot, (sink) =>
      services.actionLogStream.subscribe(user, sink, header["last-event-id"] ?? query.after),
    ),
    { headers: LIVE_STREAM_HEADERS },
  );
}
