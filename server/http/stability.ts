import type { Request, RequestHandler } from "express";
import timeout from "connect-timeout";
import { AppError } from "#app/models/errors.ts";
import { sendProblem } from "./problems.ts";

/**
 * The stability limits (AxumKit's stability layer): a cap on requests in flight, a time limit for
 * each, and a body size limit. What `exempt` names passes the cap and the time limit: the load
 * balancer's probes, so an overloaded instance still says it is alive, and the event streams, whose
 * answers stay open (the stream caps of decision 0016 hold them instead).
 * Configured by MAX_CONCURRENT_REQUESTS, REQUEST_TIMEOUT_MS and MAX_BODY_BYTES (server/config.ts).
 */
export const isProbe = (req: Request) => req.path === "/health" || req.path === "/ready";

/** Sheds load instead of queueing it: past the cap the answer is an immediate 503. */
export function concurrencyCap(max: number, exempt: (req: Request) => boolean): RequestHandler {
  let inFlight = 0;
  return (req, res, next) => {
    if (exempt(req)) return next();
    if (inFlight >= max) {
      req.log.warn({ inFlight }, "over the concurrency cap: request refused");
      return sendProblem(req, res, new AppError("http:overloaded", 1));
    }
    inFlight += 1;
    // The slot is free once the answer is written ("finish"), or the client has gone ("close", which
    // alone can come late: after a 408 it waits for the client to close its connection).
    let released = false;
    const release = () => {
      if (!released) inFlight -= 1;
      released = true;
    };
    res.once("finish", release);
    res.once("close", release);
    next();
  };
}

/**
 * connect-timeout: once the time is up and no header has been sent, it hands an ETIMEDOUT error to
 * Express (answered 408 by server/http/problems.ts). The handler still running finds the response ended
 * and drops its own (@react-router/express checks). A page that has begun streaming is bounded by
 * entry.server.tsx's stream timeout instead.
 */
export function timeLimit(ms: number, exempt: (req: Request) => boolean): RequestHandler {
  const limit = timeout(ms) as unknown as RequestHandler;
  return (req, res, next) => (exempt(req) ? next() : limit(req, res, next));
}

/**
 * Checks the declared Content-Length (Node has already rejected malformed ones) before the body is
 * read. A body without one (chunked) cannot be bounded before reading it, so it is refused with
 * 411: browsers and fetch always declare the length of forms and JSON.
 */
export function bodyLimit(maxBytes: number): RequestHandler {
  return (req, res, next) => {
    const length = req.headers["content-length"];
    if (length === undefined && req.headers["transfer-encoding"] !== undefined)
      return sendProblem(req, res, new AppError("http:length_required"));
    if (length !== undefined && Number(length) > maxBytes)
      return sendProblem(req, res, new AppError("http:payload_too_large"));
    next();
  };
}
