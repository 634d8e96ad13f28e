import { data } from "react-router";
import type { z } from "zod";

/** Reading and validating form posts: one error message per field, shown next to the field. */
export type FieldErrors<Field extends string> = Partial<Record<Field, string>>;

/** What an action returns when a form is sent back: errors by field or for the form, and the typed values. */
export interface FormState<Field extends string> {
  readonly errors?: FieldErrors<Field>;
  readonly formError?: string;
  /** Kept so the visitor need not type them again; passwords are never echoed. */
  readonly values?: Partial<Record<Field, string>>;
}

export type ParsedForm<Schema extends z.ZodObject> =
  | { readonly ok: true; readonly data: z.output<Schema> }
  | { readonly ok: false; readonly errors: FieldErrors<Extract<keyof z.input<Schema>, string>> };

/**
 * The request's form, read from a copy so the body stays readable (remix-auth reads it again).
 * A body that is not a form at all is the client's mistake: 400, never a 500.
 */
export async function readForm(request: Request): Promise<FormData> {
  try {
    return await request.clone().formData();
  } catch {
    throw data("The request body is not a form.", { status: 400 });
  }
}

/** A form field's text; missing fields and uploaded files read as undefined. */
export function textOf(form: FormData, name: string): string | undefined {
  const value = form.get(name);
  return typeof value === "string" ? value : undefined;
}

/** Validates the schema's fields (their text values only) and collects the first error of each. */
export function parseForm<Schema extends z.ZodObject>(schema: Schema, form: FormData): ParsedForm<Schema> {
  const input = Object.fromEntries(Object.keys(schema.shape).map((name) => [name, textOf(form, name)]));
  const result = schema.safeParse(input);
  if (result.success) return { ok: true, data: result.data };
  const errors: Record<string, string> = {};
  for (const issue of result.error.issues) {
    const field = String(issue.path[0] ?? "form");
    errors[field] ??= issue.message;
  }
  return { ok: false, errors: errors as FieldErrors<Extract<keyof z.input<Schema>, string>> };
}
