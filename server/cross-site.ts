import type { RequestHandler } from "express";

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * Refuses state-changing requests sent from another site: when the browser names the page's
 * origin (`Origin`, sent with every cross-site POST), its host must be this request's host
 * (`req.host`, which honours TRUST_PROXY's X-Forwarded-Host). Requests without `Origin` (curl,
 * old browsers) pass; SameSite=Lax keeps the session cookie off cross-site POSTs anyway.
 * React Router checks the same thing, but only as an unhandled error; this answers a clean 403.
 */
export const refuseCrossSiteWrites: RequestHandler = (req, res, next) => {
  const origin = req.get("origin");
  if (SAFE_METHODS.has(req.method) || origin === undefined || hostOf(origin) === req.host) return next();
  req.log.warn({ origin }, "cross-site request refused");
  res.status(403).type("text/plain").send("Cross-site requests are not accepted.");
};

function hostOf(origin: string): string | undefined {
  try {
    return new URL(origin).host;
  } catch {
    return undefined; // "null" (sandboxed frames, privacy redirects) or garbage: never same-site
  }
}
