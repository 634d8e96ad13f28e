/**
 * Whether an error means "PostgreSQL cannot be reached" rather than "this statement failed": the
 * one place that knows pg's and Node's ways of saying so. What answers with it: 503
 * `http:database_unavailable` with Retry-After (app/http/database-outage.ts for React Router,
 * server/http/problems.ts for the rest), never a 500.
 */
const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
]);

/** SQLSTATEs: class 08 (connection exception), the server shutting down or starting (57P01–57P03), no free connection slot (53300). */
const SERVER_CODES = /^(08\d{3}|57P0[1-3]|53300)$/;

/** pg's own messages for a connection that died or never came (they carry no code). */
const MESSAGES = [
  /^Connection terminated/,
  /timeout exceeded when trying to connect/,
  /Client has encountered a connection error/,
  /Cannot use a pool after calling end/,
];

export function isDatabaseUnavailable(error: unknown, depth = 0): boolean {
  if (typeof error !== "object" || error === null || depth > 4) return false;
  const { code, message, cause } = error as { code?: unknown; message?: unknown; cause?: unknown };
  if (typeof code === "string" && (NETWORK_CODES.has(code) || SERVER_CODES.test(code))) return true;
  if (typeof message === "string" && MESSAGES.some((pattern) => pattern.test(message))) return true;
  // Node reports a refused connection to a name with several addresses as an AggregateError.
  if (error instanceof AggregateError && error.errors.some((inner) => isDatabaseUnavailable(inner, depth + 1)))
    return true;
  return isDatabaseUnavailable(cause, depth + 1);
}
