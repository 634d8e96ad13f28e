import type { z } from "zod";
import { AppError, errorCatalogue, type Problem } from "#app/models/errors.ts";
import { problemResponse } from "./problem.ts";

/**
 * The JSON API's edge (`/api/v0`): parameters and bodies parsed with the very zod schemas the
 * OpenAPI document is generated from (`api-schemas.ts`), and every failure answered as a catalogue
 * problem `{status, code, message}`. Helpers throw their problem `Response`; React Router returns a
 * thrown response as it is.
 */
const NO_STORE = { "Cache-Control": "private, no-store" } as const;

/** A JSON answer whose body the compiler checks against the schema the document describes. */
export function apiJson<Schema extends z.ZodType>(_schema: Schema, body: z.input<Schema>, status = 200): Response {
  return Response.json(body, { status, headers: NO_STORE });
}

/** `The body does not match the schema. body: Keep it to 1000 characters`: the catalogue message, then each failing field. */
function invalidProblem(code: "api:invalid_parameters" | "api:invalid_body", error: z.ZodError): Problem {
  const fields = error.issues.map(
    (issue) => `${issue.path.length ? issue.path.join(".") : "(the whole value)"}: ${issue.message}`,
  );
  return { status: errorCatalogue[code].status, code, message: `${errorCatalogue[code].message} ${fields.join("; ")}` };
}

function invalid(code: "api:invalid_parameters" | "api:invalid_body", error: z.ZodError): Response {
  const problem = invalidProblem(code, error);
  return Response.json(problem, { status: problem.status, headers: NO_STORE });
}

/** A query string as an object: a repeated name becomes a list (which a single-valued field then refuses). */
export function queryOf(url: URL): Record<string, string | string[]> {
  const query: Record<string, string | string[]> = {};
  for (const [name, value] of url.searchParams) {
    const seen = query[name];
    query[name] = seen === undefined ? value : [...(Array.isArray(seen) ? seen : [seen]), value];
  }
  return query;
}

/** Query, path or header values through their schema; a 400 `api:invalid_parameters` naming each bad field otherwise. */
export function parseParameters<Schema extends z.ZodType>(schema: Schema, values: unknown): z.output<Schema> {
  const parsed = schema.safeParse(values);
  if (!parsed.success) throw invalid("api:invalid_parameters", parsed.error);
  return parsed.data;
}

const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i;

/** A JSON body: 415 when it is not declared JSON, 400 when it does not parse, 422 naming each field that breaks the schema. */
export async function readJsonBody<Schema extends z.ZodType>(
  request: Request,
  schema: Schema,
): Promise<z.output<Schema>> {
  if (!JSON_TYPE.test(request.headers.get("content-type") ?? ""))
    throw problemResponse(new AppError("api:unsupported_media_type"));
  let value: unknown;
  try {
    value = JSON.parse(await request.text());
  } catch {
    throw problemResponse(new AppError("api:malformed_json"));
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw invalid("api:invalid_body", parsed.error);
  return parsed.data;
}

/** Runs an endpoint: a catalogue error from a use case becomes its problem response (with Retry-After on 429). */
export async function apiCall(work: () => Promise<Response>): Promise<Response> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof AppError) return problemResponse(error);
    throw error;
  }
}
