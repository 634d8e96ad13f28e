import express, { type RequestHandler } from "express";
import { pinoHttp } from "pino-http";
import { apiCors } from "./api-cors.ts";
import { compression } from "./compression.ts";
import { refuseCrossSiteWrites } from "./cross-site.ts";
import type { Limits, TrustProxy } from "#server/config.ts";
import type { Logger } from "#server/logger.ts";
import type { Tracer } from "#app/services/trace.server.ts";
import { finalErrorHandler, refuseMalformedHosts, refuseMalformedPaths, refuseUnknownMethods } from "./problems.ts";
import { requestId } from "./request-id.ts";
import { requestTrace } from "./request-trace.ts";
import { securityHeaders } from "./security-headers.ts";
import { bodyLimit, concurrencyCap, isProbe, timeLimit } from "./stability.ts";
import { visitorCookie } from "./visitor.ts";

export interface HttpOptions {
  readonly logger: Logger;
  /** Opens every request's trace scope (the lab's visible runtime). */
  readonly tracer: Tracer;
  readonly production: boolean;
  /** 5xx answers carry the error's stack (development only). */
  readonly showErrorDetails: boolean;
  readonly limits: Limits;
  /** Origins that may call /api from a browser (CORS, and writes past the cross-site refusal). */
  readonly corsAllowedOrigins: readonly string[];
  readonly viteDevServer: boolean;
  /** Which proxies may name the client (X-Forwarded-For); `req.ip` follows it. */
  readonly trustProxy: TrustProxy;
  /** Other origins a form's post may redirect to (CSP form-action): GitHub's sign-in page when configured. */
  readonly formActionOrigins?: readonly string[];
  /** Paths whose answers stay open (the event streams): out of the concurrency cap and the request timeout. */
  readonly longLived: (path: string) => boolean;
  /** Static files (built assets or Vite's dev middleware), served before the app. */
  readonly assets: RequestHandler;
  readonly app: RequestHandler;
  /** True once shutdown began: responses then close their connection. */
  readonly draining: () => boolean;
  /** Compress responses here (COMPRESSION=on), or leave it to a proxy in front. */
  readonly compression: boolean;
}

/** A mailed link's token (reset, verification) is a bearer secret: the request log shows it as `token=…`, also inside an encoded `next`. */
export const withoutTokens = (url: string | undefined): string =>
  (url ?? "").replace(/((?:[?&]|%3F|%26)token(?:=|%3D))[\w-]+/gi, "$1…");

/** The Express pipeline every request goes through, in order. */
export function createHttpApp(options: HttpOptions): express.Express {
  const http = express();
  http.disable("x-powered-by");
  http.set("trust proxy", typeof options.trustProxy === "object" ? [...options.trustProxy] : options.trustProxy);
  http.use(requestId);
  http.use(visitorCookie({ secure: options.production }));
  http.use(requestTrace(options.tracer, options.longLived));
  http.use(
    pinoHttp({
      logger: options.logger,
      genReqId: (_req, res) => (res as express.Response).locals.requestId,
      customProps: (_req, res) => ({ requestId: (res as express.Response).locals.requestId }),
      customSuccessMessage: (req, res, ms) => `${req.method} ${withoutTokens(req.url)} ${res.statusCode} ${ms}ms`,
      customErrorMessage: (req, res) => `${req.method} ${withoutTokens(req.url)} ${res.statusCode} failed`,
      customLogLevel: (_req, res, error) =>
        error || res.statusCode >= 500 ? "error" : res.statusCode >= 400 ? "warn" : "info",
      serializers: {
        req: (req: { method: string; url: string }) => ({ method: req.method, url: withoutTokens(req.url) }),
        res: (res: { statusCode: number }) => ({ status: res.statusCode }),
      },
    }),
  );
  http.use((_req, res, next) => {
    if (options.draining()) res.setHeader("Connection", "close");
    next();
  });
  http.use(
    securityHeaders({
      viteDevServer: options.viteDevServer,
      production: options.production,
      formActionOrigins: options.formActionOrigins ?? [],
    }),
  );
  http.use(refuseUnknownMethods);
  http.use(refuseMalformedPaths);
  http.use(refuseMalformedHosts);
  http.use("/api", apiCors(options.corsAllowedOrigins));
  http.use(refuseCrossSiteWrites(options.corsAllowedOrigins));
  http.use(bodyLimit(options.limits.maxBodyBytes));
  const exempt = (req: express.Request) => isProbe(req) || options.longLived(req.path);
  http.use(concurrencyCap(options.limits.maxConcurrentRequests, exempt));
  http.use(timeLimit(options.limits.requestTimeoutMs, exempt));
  // A stream is neither compressed (frames must arrive one by one) nor a file: it skips both, and
  // with them a filesystem lookup per connection and a wrapper around each of its writes.
  const unlessLongLived =
    (handler: RequestHandler): RequestHandler =>
    (req, res, next) =>
      options.longLived(req.path) ? next() : handler(req, res, next);
  if (options.compression) http.use(unlessLongLived(compression));
  http.use(unlessLongLived(options.assets));
  http.use(options.app);
  http.use(finalErrorHandler(options.logger, options.showErrorDetails));
  return http;
}

/** Hashed build assets never change, so browsers may keep them for a year; the rest for an hour. */
export function builtAssets(clientDir: string): RequestHandler {
  const router = express.Router();
  router.use(
    "/assets",
    express.static(`${clientDir}/assets`, { immutable: true, maxAge: "1y", index: false, fallthrough: false }),
  );
  router.use(express.static(clientDir, { maxAge: "1h", index: false }));
  return router;
}
