import { Form } from "react-router";
import type { FormState } from "#app/http/form.ts";
import type { PostField } from "#app/http/post-forms.ts";
import { SLUG_MAX, SUMMARY_MAX, TITLE_MAX } from "#app/models/post.ts";
import { Notice } from "./notice.tsx";
import { TextField } from "./text-field.tsx";

/** The form that writes or edits a post; the values typed come back with the errors. */
export function PostForm({
  state,
  initial,
  submitLabel,
}: {
  state: FormState<PostField> | undefined;
  initial?: Partial<Record<PostField, string>>;
  submitLabel: string;
}) {
  const values = state?.values ?? initial ?? {};
  return (
    <>
      <Notice tone="error">{state?.errors ? "Please correct the fields marked below." : state?.formError}</Notice>
      <Form method="post" className="stack post-form">
        <TextField
          label="Title"
          name="title"
          maxLength={TITLE_MAX}
          defaultValue={values.title}
          error={state?.errors?.title}
        />
        <TextField
          label="Slug"
          name="slug"
          required={false}
          maxLength={SLUG_MAX}
          hint="The post's address: lowercase letters, digits and hyphens. Leave it empty to make one from the title."
          defaultValue={values.slug}
          error={state?.errors?.slug}
        />
        <TextField
          label="Summary"
          name="summary"
          required={false}
          maxLength={SUMMARY_MAX}
          hint="Optional: one or two sentences for the list."
          defaultValue={values.summary}
          error={state?.errors?.summary}
        />
        <TextField
          label="Text"
          name="body"
          rows={16}
          hint="Plain text: separate paragraphs with a blank line."
          defaultValue={values.body}
          error={state?.errors?.body}
        />
        <p>
          <button type="submit" name="intent" value="save" className="button">
            {submitLabel}
          </button>
        </p>
      </Form>
    </>
  );
}
