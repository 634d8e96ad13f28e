import { data } from "react-router";
import { problemOf, type AppError } from "#app/models/errors.ts";

/** A catalogue error as a resource route answers it: `{status, code, message}` JSON. */
export function problemResponse(error: AppError): Response {
  return Response.json(problemOf(error), { status: error.status, headers: retryAfter(error) });
}

/** `Retry-After` for errors that carry one (429). */
export function retryAfter(error: AppError): Record<string, string> {
  return error.retryAfterSecs === undefined ? {} : { "Retry-After": String(error.retryAfterSecs) };
}

/** A catalogue error on a document: the error page shows its status and message. */
export function problemPage(error: AppError) {
  return data(error.message, { status: error.status, headers: retryAfter(error) });
}

/** A catalogue error shown above a form, with its status (and Retry-After) on the response. */
export function formFailure<State extends object>(error: AppError, state: State) {
  return data({ ...state, formError: error.message }, { status: error.status, headers: retryAfter(error) });
}
