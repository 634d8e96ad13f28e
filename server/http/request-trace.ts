import type { Request, RequestHandler } from "express";
import { tracePath, type RequestSource } from "#app/models/trace.ts";
import type { Tracer } from "#app/services/trace.server.ts";

/**
 * Opens the trace scope of every request (after the request id and visitor cookie are known) and
 * records its end when the response is done, whatever way it ends. Build assets are not traced:
 * they are files, not the application's work, and would bury every timeline.
 */
export function requestTrace(tracer: Tracer, longLived: (path: string) => boolean): RequestHandler {
  const sourceOf = (req: Request): RequestSource => {
    if (longLived(req.path)) return "stream";
    if (req.path === "/lab/probe") return "probe";
    if (req.path.endsWith(".data")) return "data";
    if (req.method !== "GET" && req.method !== "HEAD") return "form";
    return (req.get("accept") ?? "").includes("text/html") ? "document" : "resource";
  };
  return (req, res, next) => {
    if (req.path.startsWith("/assets/") || req.path === "/favicon.ico") return next();
    const scope = tracer.runRequest(
      {
        requestId: res.locals.requestId,
        visitorId: res.locals.returningVisitor ? res.locals.visitorId : null,
        method: req.method,
        path: tracePath(req.originalUrl),
        source: sourceOf(req),
      },
      next,
    );
    // "close" also covers a client that left before the response was complete.
    res.once("close", () => tracer.endRequest(scope, res.statusCode));
  };
}
