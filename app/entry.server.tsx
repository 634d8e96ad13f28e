import { PassThrough } from "node:stream";
import { createReadableStreamFromReadable } from "@react-router/node";
import { isbot } from "isbot";
import type { RenderToPipeableStreamOptions } from "react-dom/server";
import { renderToPipeableStream } from "react-dom/server";
import {
  isRouteErrorResponse,
  ServerRouter,
  type EntryContext,
  type HandleDataRequestFunction,
  type HandleErrorFunction,
  type InstrumentationHandlerResult,
  type RouterContextProvider,
  type ServerInstrumentation,
} from "react-router";
import { NonceContext } from "./components/nonce.tsx";
import { requestContext } from "./context.ts";
import { noteRouteError } from "./http/database-outage.ts";
import { serverTiming } from "./http/server-timing.ts";

/** React Router's default Node entry, plus the CSP nonce on every inline script. */
export const streamTimeout = 5_000;

export default function handleRequest(
  request: Request,
  responseStatusCode: number,
  responseHeaders: Headers,
  routerContext: EntryContext,
  loadContext: RouterContextProvider,
) {
  if (request.method.toUpperCase() === "HEAD") {
    return new Response(null, { status: responseStatusCode, headers: responseHeaders });
  }
  const { cspNonce: nonce, services } = loadContext.get(requestContext);
  const renderStarted = performance.now();

  return new Promise<Response>((resolve, reject) => {
    let shellRendered = false;
    const userAgent = request.headers.get("user-agent");
    // Crawlers get the whole document at once; browsers get the shell as soon as it is ready.
    const readyOption: keyof RenderToPipeableStreamOptions =
      (userAgent && isbot(userAgent)) || routerContext.isSpaMode ? "onAllReady" : "onShellReady";
    let timeoutId: ReturnType<typeof setTimeout> | undefined = setTimeout(() => abort(), streamTimeout + 1000);

    const { pipe, abort } = renderToPipeableStream(
      <NonceContext value={nonce}>
        <ServerRouter context={routerContext} url={request.url} nonce={nonce} />
      </NonceContext>,
      {
        nonce,
        [readyOption]() {
          shellRendered = true;
          const body = new PassThrough({
            final(callback) {
              clearTimeout(timeoutId);
              timeoutId = undefined;
              callback();
            },
          });
          responseHeaders.set("Content-Type", "text/html; charset=utf-8");
          const scope = services.trace.current();
          if (scope) responseHeaders.set("Server-Timing", serverTiming({ dbMs: scope.dbMs, renderMs: performance.now() - renderStarted, totalMs: performance.now() - scope.startedAt }));
          pipe(body);
          resolve(
            new Response(createReadableStreamFromReadable(body), {
              headers: responseHeaders,
              status: responseStatusCode,
            }),
          );
        },
        onShellError(error: unknown) {
          reject(error);
        },
        onError(error: unknown) {
          responseStatusCode = 500;
          // Errors before the shell reject above and reach handleError through React Router.
          if (shellRendered) loadContext.get(requestContext).log.error({ err: error }, "error while streaming a page");
        },
      },
    );
  });
}

/** Server errors go to the request's structured log; 4xx answers (an unknown path) are normal traffic. */
export const handleError: HandleErrorFunction = (error, { request, context }) => {
  // An unreachable database becomes a 503 (app/http/database-outage.ts), which needs to know.
  noteRouteError(context, error);
  if (request.signal.aborted) return;
  if (isRouteErrorResponse(error) && error.status < 500) return;
  context.get(requestContext).log.error({ err: error }, "unhandled error in a route");
};

/** Data requests (client navigations and fetchers) carry Server-Timing too. */
export const handleDataRequest: HandleDataRequestFunction = (response, { context }) => {
  const scope = context.get(requestContext).services.trace.current();
  if (scope) response.headers.set("Server-Timing", serverTiming({ dbMs: scope.dbMs, totalMs: performance.now() - scope.startedAt }));
  return response;
};

/** Every loader and action is a trace event of its request (React Router's instrumentation API, read-only). */
export const instrumentations: ServerInstrumentation[] = [
  {
    route(route) {
      const timed =
        (kind: "loader" | "action") =>
        async (call: () => Promise<InstrumentationHandlerResult>, { context }: { context: Pick<RouterContextProvider, "get"> }) => {
          const started = performance.now();
          const result = await call();
          const ms = Math.round((performance.now() - started) * 10) / 10;
          // A thrown redirect or 4xx Response is an answer, not a failure.
          const failed = result.status === "error" && !(result.error instanceof Response);
          context.get(requestContext).services.trace.record(kind, `${kind} ${route.id}`, { route: route.id, ms, ...(failed ? { failed } : {}) }, failed ? "warn" : "info");
        };
      route.instrument({ loader: timed("loader"), action: timed("action") });
    },
  },
];
