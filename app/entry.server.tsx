import { createReadableStreamFromReadable } from "@react-router/node";
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
import { documentBody } from "./http/document-body.server.ts";
import { streamsDocument } from "./http/render-mode.ts";
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
    // Browsers that run scripts get the shell as soon as it is ready and deferred panels as they
    // come; everyone else (no scripts, crawlers) the whole document at once (app/http/render-mode.ts).
    const streams = streamsDocument(request) && !routerContext.isSpaMode;
    const readyOption: keyof RenderToPipeableStreamOptions = streams ? "onShellReady" : "onAllReady";
    let timeoutId: ReturnType<typeof setTimeout> | undefined = setTimeout(() => abort(), streamTimeout + 1000);

    const { pipe, abort } = renderToPipeableStream(
      <NonceContext value={nonce}>
        <ServerRouter context={routerContext} url={request.url} nonce={nonce} />
      </NonceContext>,
      {
        nonce,
        // A whole document has every panel in its place: React would otherwise still move panels
        // past its 12.8 kB chunk size to the end, to be put in place by a script.
        ...(streams ? {} : { progressiveChunkSize: Number.POSITIVE_INFINITY }),
        [readyOption]() {
          shellRendered = true;
          const body = documentBody(() => {
            clearTimeout(timeoutId);
            timeoutId = undefined;
          });
          responseHeaders.set("Content-Type", "text/html; charset=utf-8");
          const scope = services.trace.current();
          if (scope)
            responseHeaders.set(
              "Server-Timing",
              serverTiming({
                dbMs: scope.dbMs,
                renderMs: performance.now() - renderStarted,
                totalMs: performance.now() - scope.startedAt,
              }),
            );
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
  if (scope)
    response.headers.set(
      "Server-Timing",
      serverTiming({ dbMs: scope.dbMs, totalMs: performance.now() - scope.startedAt }),
    );
  return response;
};

/**
 * Every loader and action is a trace event of its request, and React Router's own handler and the
 * route middleware are diagnostic ones (React Router's instrumentation API, read-only).
 */
export const instrumentations: ServerInstrumentation[] = [
  {
    handler(handler) {
      handler.instrument({
        async request(call, { context }) {
          const started = performance.now();
          const result = await call();
          const ms = Math.round((performance.now() - started) * 10) / 10;
          context
            ?.get(requestContext)
            .services.trace.record(
              "framework.handler",
              `React Router handled the request in ${ms}ms`,
              { ms, failed: result.status === "error" },
              "debug",
            );
        },
      });
    },
    route(route) {
      const timed =
        (kind: "loader" | "action") =>
        async (
          call: () => Promise<InstrumentationHandlerResult>,
          { context }: { context: Pick<RouterContextProvider, "get"> },
        ) => {
          const started = performance.now();
          const result = await call();
          const ms = Math.round((performance.now() - started) * 10) / 10;
          // A thrown redirect or 4xx Response is an answer, not a failure.
          const failed = result.status === "error" && !(result.error instanceof Response);
          context
            .get(requestContext)
            .services.trace.record(
              kind,
              `${kind} ${route.id}`,
              { route: route.id, ms, ...(failed ? { failed } : {}) },
              failed ? "warn" : "info",
            );
        };
      route.instrument({
        loader: timed("loader"),
        action: timed("action"),
        async middleware(call, { context }) {
          const started = performance.now();
          await call();
          const ms = Math.round((performance.now() - started) * 10) / 10;
          context
            .get(requestContext)
            .services.trace.record("framework.middleware", `middleware ${route.id}`, { route: route.id, ms }, "debug");
        },
      });
    },
  },
];
