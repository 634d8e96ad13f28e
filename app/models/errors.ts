/**
 * The error catalogue: every failure a use case reports on purpose has a code and an HTTP status
 * here, in one place. Documents show the message on an error page or next to a form; resource
 * routes answer `{status, code, message}` (see `problemOf`).
 */
export const errorCatalogue = {
  "auth:invalid_credentials": { status: 401, message: "Invalid email or password" },
  "auth:throttled": { status: 429, message: "Too many sign-in attempts.", saysWhen: true },
  "auth:signup_throttled": {
    status: 429,
    message: "Too many accounts were created from your network recently.",
    saysWhen: true,
  },
  "auth:unauthenticated": { status: 401, message: "Sign in to continue." },
  "auth:forbidden": { status: 403, message: "Your account may not do this." },
  "auth:wrong_password": { status: 400, message: "The current password is not correct." },
  "auth:totp_invalid": {
    status: 401,
    message:
      "That code is not valid. Enter the current code from your authenticator app, or a backup code you have not used.",
  },
  "auth:totp_throttled": { status: 429, message: "Too many wrong codes.", saysWhen: true },
  "auth:totp_pending_expired": {
    status: 401,
    message: "This sign-in step has expired or was never started. Sign in again.",
  },
  "auth:totp_not_pending": { status: 409, message: "Start setting up two-factor authentication first." },
  "auth:totp_already_enabled": { status: 409, message: "Two-factor authentication is already on." },
  "auth:totp_not_enabled": { status: 409, message: "Two-factor authentication is off." },
  "account:not_found": { status: 404, message: "There is no such account." },
  "account:role_conflict": {
    status: 409,
    message: "Only members can be made moderators. Only moderators can be made members again.",
  },
  "account:confirmation_required": {
    status: 400,
    message: "Confirm that it is you: enter your password, or a code from your authenticator app.",
  },
  "account:confirmation_mismatch": { status: 400, message: "Type your username exactly as it is shown to confirm." },
  "account:email_unchanged": { status: 400, message: "That is already your email address." },
  "account:email_taken": {
    status: 409,
    message: "Another account uses this address now, so it cannot become yours. Your email address was not changed.",
  },
  "auth:email_not_verified": {
    status: 403,
    message:
      "Confirm your email address first: follow the link we mailed you, or send a new one from the banner at the top of the page.",
  },
  "auth:link_invalid": {
    status: 400,
    message: "This link has expired, was already used, or is not complete. Ask for a new one.",
  },
  "auth:reset_throttled": { status: 429, message: "Too many password reset requests.", saysWhen: true },
  "auth:verification_throttled": {
    status: 429,
    message: "Too many confirmation mails were sent for this account.",
    saysWhen: true,
  },
  "session:not_found": { status: 404, message: "That session has already ended." },
  "stream:invalid_request": { status: 400, message: "Open the stream as /events?tab=<uuid>&room=<room>." },
  "stream:too_many": {
    status: 429,
    message: "Too many event streams are open from this browser or network. Close some tabs.",
    saysWhen: true,
  },
  "chat:rate_limited": { status: 429, message: "Too many messages — slow down and try again" },
  "chat:bot_busy": { status: 429, message: "The demo bot needs a short break.", saysWhen: true },
  "chat:message_not_found": { status: 404, message: "There is no such message." },
  "chat:already_decided": { status: 409, message: "Another moderator has already decided on this message." },
  "lab:no_stream": {
    status: 428,
    message: "This tab has no open event stream, so the result would have nowhere to go. Reload the lab and try again.",
  },
  "chat:room_not_found": { status: 404, message: "There is no such room." },
  "api:unsupported_media_type": { status: 415, message: "Send the body as JSON (Content-Type: application/json)." },
  "api:malformed_json": { status: 400, message: "The body is not valid JSON." },
  "api:invalid_parameters": { status: 400, message: "The request's parameters are not valid." },
  "api:invalid_body": { status: 422, message: "The body does not match the schema." },
  "api:method_not_allowed": { status: 405, message: "This endpoint does not accept that method." },
  "lab:lookup_throttled": { status: 429, message: "Too many account lookups from your network.", saysWhen: true },
  "lab:burst_busy": { status: 429, message: "A server-side burst is already running. Try again when it has finished." },
  "post:not_found": { status: 404, message: "There is no such post." },
  "post:slug_taken": { status: 409, message: "Another post already uses this slug." },
  "post:query_too_long": { status: 400, message: "Search for at most 200 characters." },
  "post:invalid_cursor": { status: 400, message: "That page link is not valid. Start again from the newest posts." },
  "oauth:not_configured": { status: 404, message: "Signing in with {provider} is not set up on this server." },
  "oauth:state_invalid": {
    status: 400,
    message:
      "This {provider} sign-in could not be verified: it was started in another browser or another session, it expired, or it was already used. Start again from this browser.",
  },
  "oauth:denied": { status: 403, message: "{provider} did not authorize glassbox, so nothing changed." },
  "oauth:code_rejected": {
    status: 400,
    message: "{provider} did not accept this sign-in (the code was invalid, expired or already used). Start again.",
  },
  "oauth:provider_unavailable": {
    status: 502,
    message: "{provider} could not be reached to finish signing in. Try again in a moment.",
  },
  "oauth:no_verified_email": {
    status: 400,
    message:
      "Your {provider} account has no verified primary email address, so no account can be made from it. Verify one with {provider}, or create an account here and connect {provider} from your account page.",
  },
  "oauth:email_in_use": {
    status: 409,
    message:
      "An account with your {provider} email address already exists. Sign in with your password, then connect {provider} from your account page.",
  },
  "oauth:linked_to_other": {
    status: 409,
    message: "This {provider} account is already connected to another glassbox account.",
  },
  "oauth:already_connected": {
    status: 409,
    message: "Your account is already connected to a different {provider} account. Disconnect it first.",
  },
  "oauth:not_connected": { status: 404, message: "Your account is not connected to {provider}." },
  "oauth:last_sign_in_method": {
    status: 409,
    message: "{provider} is your only way to sign in: set a password before you disconnect it.",
  },
  "mail:no_mailbox": { status: 404, message: "There is no development mailbox here: mail is sent, not kept." },
  // The HTTP edge: answers the server gives before (or instead of) a route (server/, app/http/resource-problems.ts).
  "http:bad_request": { status: 400, message: "The request could not be read." },
  "http:cross_site": { status: 403, message: "Cross-site requests are not accepted." },
  "http:not_found": { status: 404, message: "There is nothing at this address." },
  "http:method_not_allowed": { status: 405, message: "This address does not accept that method." },
  "http:timeout": { status: 408, message: "The request took too long to handle. Try again." },
  "http:length_required": { status: 411, message: "A request body needs a Content-Length header." },
  "http:payload_too_large": { status: 413, message: "The request body is too large." },
  "http:unsupported_media_type": { status: 415, message: "This address does not accept that content type." },
  "http:headers_too_large": { status: 431, message: "The request headers are too large." },
  "http:internal_error": {
    status: 500,
    message: "The server hit an unexpected problem. It has been logged; please try again in a moment.",
  },
  "http:overloaded": { status: 503, message: "The server is busy.", saysWhen: true },
  "http:database_unavailable": { status: 503, message: "The database cannot be reached right now.", saysWhen: true },
} as const satisfies Record<string, { status: number; message: string; saysWhen?: boolean }>;

export type ErrorCode = keyof typeof errorCatalogue;

/** Words a catalogue message leaves open: `{provider}` is the sign-in provider's name (GitHub, Google). */
export interface MessageVariables {
  readonly provider?: string;
}

export class AppError extends Error {
  readonly status: number;

  constructor(
    readonly code: ErrorCode,
    /** Seconds a client should wait before retrying (429, 503). */
    readonly retryAfterSecs?: number,
    variables: MessageVariables = {},
  ) {
    const entry: { message: string; saysWhen?: boolean } = errorCatalogue[code];
    const message = entry.message.replaceAll("{provider}", variables.provider ?? "the sign-in provider");
    super(
      entry.saysWhen && retryAfterSecs !== undefined
        ? `${message} Try again in ${describeWait(retryAfterSecs)}.`
        : message,
    );
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

const httpCodes = [
  "http:bad_request",
  "http:cross_site",
  "http:not_found",
  "http:method_not_allowed",
  "http:timeout",
  "http:length_required",
  "http:payload_too_large",
  "http:unsupported_media_type",
  "http:headers_too_large",
  "http:internal_error",
  "http:overloaded",
] as const satisfies readonly ErrorCode[];

/** How long a client is asked to wait while the database cannot be reached (`http:database_unavailable`). */
export const DATABASE_RETRY_AFTER_SECS = 5;

/** The edge's catalogue entry for a bare HTTP status (a framework's or Node's own error): its own, else the generic 4xx or 5xx. */
export function httpErrorCode(status: number): ErrorCode {
  return (
    httpCodes.find((code) => errorCatalogue[code].status === status) ??
    (status >= 500 ? "http:internal_error" : "http:bad_request")
  );
}

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === "string" && Object.hasOwn(errorCatalogue, value);
}

export interface Problem {
  readonly status: number;
  readonly code: ErrorCode;
  readonly message: string;
}

export function problemOf(error: AppError): Problem {
  return { status: error.status, code: error.code, message: error.message };
}
