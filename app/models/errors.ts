/**
 * The error catalogue: every failure a use case reports on purpose has a code and an HTTP status
 * here, in one place. Documents show the message on an error page or next to a form; resource
 * routes answer `{status, code, message}` (see `problemOf`).
 */
export const errorCatalogue = {
  "auth:invalid_credentials": { status: 401, message: "Invalid email or password" },
  "auth:throttled": { status: 429, message: "Too many sign-in attempts.", saysWhen: true },
  "auth:unauthenticated": { status: 401, message: "Sign in to continue." },
  "auth:forbidden": { status: 403, message: "Your account may not do this." },
  "auth:wrong_password": { status: 400, message: "The current password is not correct." },
  "account:not_found": { status: 404, message: "There is no such account." },
  "account:role_conflict": { status: 409, message: "Only members can be made moderators." },
  "session:not_found": { status: 404, message: "That session has already ended." },
  "stream:invalid_request": { status: 400, message: "Open the stream as /events?tab=<uuid>&room=<room>." },
  "chat:rate_limited": { status: 429, message: "Too many messages — slow down and try again" },
  "chat:bot_busy": { status: 429, message: "The demo bot needs a short break.", saysWhen: true },
  "chat:message_not_found": { status: 404, message: "There is no such message." },
  "chat:already_decided": { status: 409, message: "Another moderator has already decided on this message." },
  "lab:no_stream": { status: 428, message: "This tab has no open event stream, so the result would have nowhere to go. Reload the lab and try again." },
  "chat:room_not_found": { status: 404, message: "There is no such room." },
  "api:unsupported_media_type": { status: 415, message: "Send the body as JSON (Content-Type: application/json)." },
  "api:malformed_json": { status: 400, message: "The body is not valid JSON." },
  "api:invalid_parameters": { status: 400, message: "The request's parameters are not valid." },
  "api:invalid_body": { status: 422, message: "The body does not match the schema." },
  "api:method_not_allowed": { status: 405, message: "This endpoint does not accept that method." },
  "lab:burst_busy": { status: 429, message: "A server-side burst is already running. Try again when it has finished." },
} as const satisfies Record<string, { status: number; message: string; saysWhen?: boolean }>;

export type ErrorCode = keyof typeof errorCatalogue;

export class AppError extends Error {
  readonly status: number;

  constructor(
    readonly code: ErrorCode,
    /** Seconds a client should wait before retrying (429). */
    readonly retryAfterSecs?: number,
  ) {
    const entry: { message: string; saysWhen?: boolean } = errorCatalogue[code];
    super(entry.saysWhen && retryAfterSecs !== undefined ? `${entry.message} Try again in ${describeWait(retryAfterSecs)}.` : entry.message);
    this.name = "AppError";
    this.status = errorCatalogue[code].status;
  }
}

/** "45 seconds", "1 minute", "15 minutes": a wait as a person reads it. */
export function describeWait(secs: number): string {
  if (secs < 60) return secs === 1 ? "1 second" : `${secs} seconds`;
  const minutes = Math.ceil(secs / 60);
  return minutes === 1 ? "1 minute" : `${minutes} minutes`;
}

export interface Problem {
  readonly status: number;
  readonly code: ErrorCode;
  readonly message: string;
}

export function problemOf(error: AppError): Problem {
  return { status: error.status, code: error.code, message: error.message };
}
