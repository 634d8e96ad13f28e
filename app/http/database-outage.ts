import { createContext, data, type MiddlewareFunction, type RouterContextProvider } from "react-router";
import { isDatabaseUnavailable } from "#app/models/database-errors.ts";
import { AppError, DATABASE_RETRY_AFTER_SECS, problemOf } from "#app/models/errors.ts";

/**
 * While PostgreSQL cannot be reached, a request that needed it answers 503
 * `http:database_unavailable` with Retry-After, not 500: pages show the error page with the code,
 * resource routes answer the JSON problem. React Router hands a route's thrown error to
 * `handleError` (entry.server.tsx) before the root middleware sees the finished response, so that
 * is where the error is recognised (`noteRouteError`), and here where the answer is changed.
 * Public pages whose loaders do without the database (the root falls back to a guest) stay 200.
 */
interface OutageNote {
  unavailable: boolean;
}
const outage = createContext<OutageNote | null>(null);

/** Called with every error a loader or action threw (entry.server.tsx `handleError`). */
export function noteRouteError(context: Readonly<RouterContextProvider>, error: unknown): void {
  const note = context.get(outage);
  if (note && isDatabaseUnavailable(error)) note.unavailable = true;
}

const unavailable = () => new AppError("http:database_unavailable", DATABASE_RETRY_AFTER_SECS);

/** Outer: opens the note, and puts Retry-After on the 503 the inner one made. */
const withRetryAfter: MiddlewareFunction<Response> = async ({ context }, next) => {
  const note: OutageNote = { unavailable: false };
  context.set(outage, note);
  const response = await next();
  if (note.unavailable && response.status === 503 && !response.headers.has("Retry-After"))
    response.headers.set("Retry-After", String(DATABASE_RETRY_AFTER_SECS));
  return response;
};

/** Inner: a 5xx caused by the database is answered as the catalogue's 503. */
const answer503: MiddlewareFunction<Response> = async ({ context }, next) => {
  const response = await next();
  if (!context.get(outage)?.unavailable || response.status < 500) return response;
  const type = response.headers.get("Content-Type") ?? "";
  // Documents and client navigations (turbo-stream) render the root error boundary with the problem.
  if (type.startsWith("text/html") || type.startsWith("text/x-script"))
    throw data(problemOf(unavailable()), { status: 503 });
  return Response.json(problemOf(unavailable()), {
    status: 503,
    headers: { "Retry-After": String(DATABASE_RETRY_AFTER_SECS) },
  });
};

export const databaseOutage: MiddlewareFunction<Response>[] = [withRetryAfter, answer503];
