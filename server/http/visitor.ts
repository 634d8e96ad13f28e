import { randomBytes } from "node:crypto";
import { parse } from "cookie";
import type { RequestHandler } from "express";

/**
 * The anonymous visitor cookie: a random id (128 bits, never shown to anyone else) that says whose
 * traces a request's events are, signed in or not. It carries no rights: the lab only uses it to
 * show visitors their own requests. A missing or malformed one is replaced; a request that came
 * without one (a first visit, a load balancer's probe, a benchmark) is traced anonymously, so
 * clients that keep no cookies never take up per-visitor memory.
 */
const VISITOR_ID = /^[A-Za-z0-9_-]{22}$/;
const ONE_YEAR_MS = 365 * 24 * 3600 * 1000;

/** The visitor cookie's name (`__Host-` where it is Secure: production). */
export const visitorCookieName = (secure: boolean): string => (secure ? "__Host-glassbox_visitor" : "glassbox_visitor");

export function visitorCookie({ secure }: { secure: boolean }): RequestHandler {
  const name = visitorCookieName(secure);
  return (req, res, next) => {
    const existing = req.headers.cookie ? parse(req.headers.cookie)[name] : undefined;
    if (existing && VISITOR_ID.test(existing)) {
      res.locals.visitorId = existing;
      res.locals.returningVisitor = true;
    } else {
      res.locals.visitorId = randomBytes(16).toString("base64url");
      res.locals.returningVisitor = false;
      res.cookie(name, res.locals.visitorId, {
        httpOnly: true,
        sameSite: "lax",
        secure,
        path: "/",
        maxAge: ONE_YEAR_MS,
      });
    }
    next();
  };
}
