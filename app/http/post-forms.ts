import { data } from "react-router";
import { z } from "zod";
import { AppError } from "#app/models/errors.ts";
import {
  BODY_MAX,
  postBodySchema,
  postSlugSchema,
  postSummarySchema,
  postTitleSchema,
  slugFromTitle,
  type PostDraft,
  type PostSlug,
} from "#app/models/post.ts";
import { parseForm, textOf, type FieldErrors, type FormState } from "./form.ts";
import { problemPage } from "./problem.ts";

/** The writing form: title, slug (derived from the title when left empty), summary, body. */
export type PostField = "title" | "slug" | "summary" | "body";

const postForm = z.object({
  title: postTitleSchema,
  // Empty means "derive it from the title" (below).
  slug: z
    .string()
    .optional()
    .transform((slug) => slug?.trim() || undefined)
    .pipe(postSlugSchema.optional()),
  summary: z
    .string()
    .optional()
    .transform((summary) => summary ?? "")
    .pipe(postSummarySchema),
  body: postBodySchema,
});

export type ParsedPostForm =
  | { readonly ok: true; readonly draft: PostDraft }
  | {
      readonly ok: false;
      readonly errors: FieldErrors<PostField>;
      readonly values: Partial<Record<PostField, string>>;
    };

/** The typed values, as the form shows them again after an error (capped: nothing huge is echoed). */
export function postFormValues(form: FormData): Partial<Record<PostField, string>> {
  const value = (name: PostField, max: number) => textOf(form, name)?.slice(0, max);
  return {
    title: value("title", 1_000),
    slug: value("slug", 1_000),
    summary: value("summary", 2_000),
    body: value("body", BODY_MAX * 2),
  };
}

export function parsePostForm(form: FormData): ParsedPostForm {
  const parsed = parseForm(postForm, form);
  if (!parsed.ok) return { ok: false, errors: parsed.errors, values: postFormValues(form) };
  const { title, slug, summary, body } = parsed.data;
  const chosen = slug ?? slugFromTitle(title);
  if (!chosen)
    return {
      ok: false,
      errors: { slug: "The title has no letters or digits to make a slug from: enter one" },
      values: postFormValues(form),
    };
  return { ok: true, draft: { title, slug: chosen, summary, body } };
}

/** A save that failed: a taken slug is shown next to the slug field (values kept), other catalogue errors as their page. */
export function postSaveFailure(error: unknown, form: FormData) {
  if (error instanceof AppError && error.code === "post:slug_taken") {
    return data<FormState<PostField>>(
      { errors: { slug: error.message }, values: postFormValues(form) },
      { status: error.status },
    );
  }
  throw error instanceof AppError ? problemPage(error) : error;
}

/** Input the form could not accept: 400, the errors next to their fields, the values kept. */
export function postFormInvalid(parsed: Extract<ParsedPostForm, { ok: false }>) {
  return data<FormState<PostField>>({ errors: parsed.errors, values: parsed.values }, { status: 400 });
}

/** The post a `/writing/:slug` address names; a slug no post could have is the same 404 as an unknown one. */
export function postSlugOf(params: { slug: string }): PostSlug {
  const slug = postSlugSchema.safeParse(params.slug);
  if (!slug.success) throw problemPage(new AppError("post:not_found"));
  return slug.data;
}
