import type { RequestHandler } from "express";
import { parseEventStreamQuery } from "../app/http/event-stream-query.ts";
import { AppError, problemOf } from "../app/models/errors.ts";
import type { RealtimeHub } from "../app/services/realtime.ts";
import type { StreamQuota } from "../app/services/stream-quota.ts";
import type { Viewer } from "../app/sessions/viewer.ts";
import { openSseStream, subscribeWhileOpen } from "./sse-stream.ts";
import { admitStream } from "./stream-admission.ts";

/**
 * `GET /events?tab=<uuid>&room=<room>`: the one event stream of a browser tab. It is served here,
 * in front of React Router, and written straight to the socket: a broadcast then costs one socket
 * write per stream, which is what keeps fan-out to 10,000 streams near a bare server
 * (docs/decisions/0007). Named events (`chat`; on a lab tab also `trace`, `timeline`, `counter`), `id:` = message id, a heartbeat every 15 s; on
 * reconnect, Last-Event-ID replays every missed message in order.
 */
export function eventStreamEndpoint({ realtime, quota, viewerOf }: { realtime: RealtimeHub; quota: StreamQuota; viewerOf: (cookie: string | null) => Promise<Viewer> }): RequestHandler {
  return (req, res, next) => {
    const query = parseEventStreamQuery(new URL(req.originalUrl, "http://localhost").searchParams, req.get("Last-Event-ID") ?? null);
    if (query instanceof AppError) {
      res.status(query.status).json(problemOf(query));
      return;
    }
    viewerOf(req.get("cookie") ?? null).then(({ user }) => {
      // The client may have left while its session was read.
      if (res.destroyed) return;
      const release = admitStream(quota, req, res);
      if (!release) return;
      openSseStream(
        res,
        (channel) => {
          const subscriber = {
            key: `${res.locals.visitorId}:${query.tab}`,
            visitorId: res.locals.visitorId,
            roomId: query.room,
            lab: query.lab,
            traceAfter: query.traceAfter,
            viewerId: user?.id ?? null,
            deliver: channel.send,
            close: channel.close,
          };
          return subscribeWhileOpen(channel, realtime.subscribe(subscriber, query.after), "the server could not replay missed messages", (error) =>
            req.log.warn({ err: error }, "event stream could not start"),
          );
        },
        (reason) => {
          release();
          req.log.debug({ reason }, "event stream closed");
        },
      );
    }, next);
  };
}
