import { STATUS_CODES } from "node:http";
import type { Duplex } from "node:stream";
import type { ErrorRequestHandler, Request, RequestHandler, Response } from "express";
import { isDatabaseUnavailable } from "#app/models/database-errors.ts";
import { AppError, DATABASE_RETRY_AFTER_SECS, httpErrorCode, problemOf } from "#app/models/errors.ts";
import type { Logger } from "#server/logger.ts";

/**
 * The answers the server gives outside React Router (limits, refusals, malformed requests), as
 * catalogue problems: `{status, code, message}` JSON for API clients (a path under /api, or an
 * Accept that prefers JSON), a small HTML page for everyone else. Routes answer through
 * app/http/problem.ts; the shape is the same.
 */
export const isApiPath = (path: string) => path === "/api" || path.startsWith("/api/");

export function wantsJson(req: Request): boolean {
  return isApiPath(req.path) || req.accepts(["html", "json"]) === "json";
}

export function sendProblem(req: Request, res: Response, error: AppError, detail?: string): void {
  if (error.retryAfterSecs !== undefined) res.setHeader("Retry-After", String(error.retryAfterSecs));
  // A body left unread (too large, too slow) is not drained to keep the connection: it is closed.
  if (!req.complete) res.setHeader("Connection", "close");
  res.status(error.status);
  const problem = { ...problemOf(error), ...(detail ? { detail } : {}) };
  if (wantsJson(req)) res.json(problem);
  else res.type("html").send(problemPage(problem));
}

/** A document for browsers: the status and the catalogue's message (no scripts, no inline styles: the CSP holds). */
function problemPage({ status, message, detail }: { status: number; message: string; detail?: string }): string {
  const title = `Error ${status}`;
  return `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${title}</title></head><body><main><p>${title}</p><h1>${escapeHtml(message)}</h1>${detail ? `<pre>${escapeHtml(detail)}</pre>` : ""}<p><a href="/">Back to the home page</a></p></main></body></html>`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The methods React Router (and fetch's Request) can handle; TRACE, CONNECT or PROPFIND would reach it as a 500. */
const METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];

export const refuseUnknownMethods: RequestHandler = (req, res, next) => {
  if (METHODS.includes(req.method)) return next();
  res.setHeader("Allow", METHODS.join(", "));
  sendProblem(req, res, new AppError("http:method_not_allowed"));
};

/**
 * A path that does not decode, or decodes to control characters or line breaks, names nothing here:
 * 400 before any route. (React Router's matching would not even see such a path under /api as the
 * API's: its patterns do not match across line breaks, so it would answer with the HTML 404 page.)
 */
export const refuseMalformedPaths: RequestHandler = (req, res, next) => {
  let decoded: string;
  try {
    decoded = decodeURIComponent(req.path);
  } catch {
    return sendProblem(req, res, new AppError("http:bad_request"));
  }
  if (/[\p{Cc}\u2028\u2029]/u.test(decoded)) return sendProblem(req, res, new AppError("http:bad_request"));
  next();
};

/**
 * A host no URL can carry (a port past 65535, spaces, brackets out of place), from `Host` or, behind
 * a trusted proxy, `X-Forwarded-Host`: 400 before any route, which would build the request's URL from it.
 */
export const refuseMalformedHosts: RequestHandler = (req, res, next) => {
  if (req.host && !URL.canParse(`http://${req.host}/`)) return sendProblem(req, res, new AppError("http:bad_request"));
  next();
};

/**
 * Errors that reached Express (a malformed path for the static files, connect-timeout's timeout, a
 * failure in a middleware): the catalogue entry of their status. A 5xx is logged, and its detail
 * shown only in development.
 */
export function finalErrorHandler(logger: Logger, showDetails: boolean): ErrorRequestHandler {
  return (error: { status?: number; statusCode?: number; code?: string; stack?: string }, req, res, next) => {
    // connect-timeout reports its timeout as a 503 with code ETIMEDOUT: to the client it is a 408 (a pg ETIMEDOUT has no status).
    const timedOut = error.code === "ETIMEDOUT" && error.status === 503;
    // The event streams read the session before they start: an unreachable database is a 503 there too.
    if (!timedOut && isDatabaseUnavailable(error)) {
      logger.warn({ err: error }, "database unavailable");
      if (res.headersSent) return next(error);
      return sendProblem(req, res, new AppError("http:database_unavailable", DATABASE_RETRY_AFTER_SECS));
    }
    const status = timedOut ? 408 : (error.status ?? error.statusCode ?? 500);
    if (status >= 500) logger.error({ err: error }, "request failed outside the app");
    if (res.headersSent) return next(error);
    sendProblem(
      req,
      res,
      new AppError(timedOut ? "http:timeout" : httpErrorCode(status)),
      showDetails && status >= 500 ? error.stack : undefined,
    );
  };
}

/**
 * Node's own refusals, before a request exists (a malformed request line or header, headers too
 * large, `server.requestTimeout`): the same catalogue problem as JSON, written to the socket. As
 * Node's default does, nothing is written when a response on this connection is already under way.
 */
export function answerClientError(error: Error & { code?: string }, socket: Duplex): void {
  const inProgress = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } })._httpMessage?.headersSent;
  if (error.code === "ECONNRESET" || !socket.writable || inProgress) {
    socket.destroy();
    return;
  }
  const code =
    error.code === "ERR_HTTP_REQUEST_TIMEOUT"
      ? "http:timeout"
      : error.code === "HPE_HEADER_OVERFLOW"
        ? "http:headers_too_large"
        : "http:bad_request";
  const problem = problemOf(new AppError(code));
  const body = JSON.stringify(problem);
  socket.end(
    `HTTP/1.1 ${problem.status} ${STATUS_CODES[problem.status]}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}
