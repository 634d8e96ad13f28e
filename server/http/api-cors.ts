import cors from "cors";
import type { RequestHandler } from "express";

/**
 * CORS for `/api` (the `cors` package): origins on the allow-list (CORS_ALLOWED_ORIGINS, exact
 * origins) may call the API with credentials and get their preflights answered; any other origin
 * gets no CORS header at all, so browsers keep to the same-origin policy. The answer varies by
 * Origin whenever a list is set, so no shared cache hands one origin's answer to another.
 */
export function apiCors(allowedOrigins: readonly string[]): RequestHandler {
  const allowed = new Set(allowedOrigins);
  const handler = cors((req, callback) =>
    callback(
      null,
      allowed.has(req.headers.origin ?? "")
        ? { origin: true, credentials: true, maxAge: 600, exposedHeaders: ["Retry-After", "X-Request-Id"] }
        : { origin: false },
    ),
  );
  return (req, res, next) => {
    if (allowed.size > 0) res.vary("Origin");
    handler(req, res, next);
  };
}
