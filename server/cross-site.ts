import type { RequestHandler } from "express";
import { AppError } from "../app/models/errors.ts";
import { isApiPath, sendProblem } from "./problems.ts";

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * Refuses state-changing requests sent from another site: when the browser names the page's
 * origin (`Origin`, sent with every cross-site POST), its host must be this request's host
 * (`req.host`, which honours TRUST_PROXY's X-Forwarded-Host). Requests without `Origin` (curl,
 * old browsers) pass; SameSite=Lax keeps the session cookie off cross-site POSTs anyway. The one
 * exception: origins on the CORS allow-list may write to `/api` (and only there).
 * React Router checks the same for pages and actions, but only as an unhandled error; this answers
 * a clean 403 with the catalogue's `http:cross_site`.
 */
export function refuseCrossSiteWrites(apiOrigins: readonly string[]): RequestHandler {
  const allowed = new Set(apiOrigins);
  return (req, res, next) => {
    const origin = req.get("origin");
    if (SAFE_METHODS.has(req.method) || origin === undefined || hostOf(origin) === req.host) return next();
    if (allowed.has(origin) && isApiPath(req.path)) return next();
    req.log.warn({ origin }, "cross-site request refused");
    sendProblem(req, res, new AppError("http:cross_site"));
  };
}

function hostOf(origin: string): string | undefined {
  try {
    return new URL(origin).host;
  } catch {
    return undefined; // "null" (sandboxed frames, privacy redirects) or garbage: never same-site
  }
}
