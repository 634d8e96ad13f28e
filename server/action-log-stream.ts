import type { RequestHandler, Response } from "express";
import { checkParameters, queryOf } from "../app/http/api.ts";
import { actionLogStreamHeaderSchema, actionLogStreamQuerySchema } from "../app/http/api-schemas.ts";
import { AppError, problemOf, type Problem } from "../app/models/errors.ts";
import type { ActionLogHub } from "../app/services/action-logs.ts";
import type { StreamQuota } from "../app/services/stream-quota.ts";
import type { Viewer } from "../app/sessions/viewer.ts";
import { openSseStream, subscribeWhileOpen } from "./sse-stream.ts";
import { admitStream } from "./stream-admission.ts";

/**
 * `GET /api/v0/action-logs/stream`: new action log entries as server-sent events, served in front
 * of React Router and written straight to the socket like `/events` (docs/decisions/0007): `event:
 * action`, `id:` = entry id. `Last-Event-ID` (or `?after=`) replays what the client missed first.
 */
export function actionLogStreamEndpoint({ hub, quota, viewerOf }: { hub: ActionLogHub; quota: StreamQuota; viewerOf: (cookie: string | null) => Promise<Viewer> }): RequestHandler {
  const refuse = (res: Response, problem: Problem) => void res.status(problem.status).set("Cache-Control", "no-store").json(problem);
  return (req, res, next) => {
    const query = checkParameters(actionLogStreamQuerySchema, queryOf(new URL(req.originalUrl, "http://localhost")));
    if (!query.ok) return refuse(res, query.problem);
    const header = checkParameters(actionLogStreamHeaderSchema, { "last-event-id": req.get("Last-Event-ID") || undefined });
    if (!header.ok) return refuse(res, header.problem);
    const after = header.data["last-event-id"] ?? query.data.after;
    viewerOf(req.get("cookie") ?? null).then(({ user }) => {
      if (!user) return refuse(res, problemOf(new AppError("auth:unauthenticated")));
      // The client may have left while its session was read.
      if (res.destroyed) return;
      const release = admitStream(quota, req, res);
      if (!release) return;
      openSseStream(
        res,
        (channel) =>
          subscribeWhileOpen(channel, hub.subscribe({ viewer: user, deliver: channel.send, close: channel.close }, after), "the server could not replay missed entries", (error) =>
            req.log.warn({ err: error }, "action log stream could not start"),
          ),
        (reason) => {
          release();
          req.log.debug({ reason }, "action log stream closed");
        },
      );
    }, next);
  };
}
