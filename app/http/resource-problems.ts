import type { MiddlewareFunction } from "react-router";
import { httpErrorCode, isErrorCode, problemOf, AppError, type Problem } from "#app/models/errors.ts";

/** React Router's last-resort body for an unhandled throw in a resource route (plus the error in development mode). */
const LAST_RESORT = "Unexpected Server Error";

/**
 * Resource routes answer errors as catalogue problems, including the errors React Router raises for
 * them itself: a method the route has no handler for (405, `{message, stack}` JSON) and an unhandled
 * throw (500, "Unexpected Server Error" text). This root middleware rewrites exactly those two shapes
 * into `{status, code, message}`; documents (HTML), data requests and answers that already carry a
 * catalogue code pass untouched. A 500 keeps React Router's detail only where React Router shows it
 * (development mode, server/app.ts).
 */
export const catalogueResourceErrors: MiddlewareFunction<Response> = async (_args, next) => {
  const response = await next();
  if (response.status < 400) return response;
  const type = response.headers.get("Content-Type") ?? "";
  if (type.startsWith("application/json")) {
    if (isErrorCode(await codeOf(response.clone()))) return response;
    return rewritten(response, problemOf(new AppError(httpErrorCode(response.status))));
  }
  if (type.startsWith("text/plain") && response.status >= 500) {
    const text = await response.clone().text();
    if (!text.startsWith(LAST_RESORT)) return response;
    const detail = text.slice(LAST_RESORT.length).trim();
    return rewritten(response, { ...problemOf(new AppError("http:internal_error")), ...(detail ? { detail } : {}) });
  }
  return response;
};

async function codeOf(response: Response): Promise<unknown> {
  try {
    const body: unknown = await response.json();
    return typeof body === "object" && body !== null && "code" in body ? body.code : undefined;
  } catch {
    return undefined;
  }
}

function rewritten(response: Response, problem: Problem & { detail?: string }): Response {
  const headers = new Headers(response.headers);
  headers.delete("Content-Length");
  headers.set("Content-Type", "application/json; charset=utf-8");
  return new Response(JSON.stringify(problem), { status: response.status, headers });
}
