import type { RequestHandler } from "express";
import { AppError } from "#app/models/errors.ts";
import { isApiPath, sendProblem } from "./problems.ts";

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * Refuses state-changing requests sent from another site: when the browser names the page's
 * origin (`Origin`, sent with every cross-site POST), its host must be this request's host
 * (`req.host`, which honours TRUST_PROXY's X-Forwarded-Host); and whatever `Origin` says or
 * leaves out, a browser's own `Sec-Fetch-Site: cross-site` is refused too (a privacy setting or an
 * extension may strip `Origin`, never the fetch metadata). Requests with neither (curl, old
 * browsers) pass; SameSite=Lax keeps the session cookie off cross-site POSTs anyway. The one
 * exception: origins on the CORS allow-list may write to `/api` (and only there).
 * React Router checks the same for pages and actions, but only as an unhandled error; this answers
 * a clean 403 with the catalogue's `http:cross_site`.
 */
export function refuseCrossSiteWrites(apiOrigins: readonly string[]): RequestHandler {
  const allowed = new Set(apiOrigins);
  return (req, res, next) => {
    if (SAFE_METHODS.has(req.method)) return next();
    const origin = req.get("origin");
    const fetchSite = req.get("sec-fetch-site");
    const foreignOrigin = origin !== undefined && hostOf(origin) !== req.host;
    if (!foreignOrigin && fetchSite !== "cross-site") return next();
    if (origin !== undefined && allowed.has(origin) && isApiPath(req.path)) return next();
    req.log.warn({ origin, fetchSite }, "cross-site request refused");
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
