import { data, Form, Link, redirect } from "react-router";
import { Notice } from "#app/components/notice.tsx";
import { TextField } from "#app/components/text-field.tsx";
import { requestContext } from "#app/context.ts";
import { forgotPasswordForm } from "#app/http/account-forms.ts";
import { documentHeaders } from "#app/http/document-headers.ts";
import { parseForm, readForm, textOf, type FormState } from "#app/http/form.ts";
import { formFailure } from "#app/http/problem.ts";
import { AppError } from "#app/models/errors.ts";
import type { Route } from "./+types/forgot-password";

type ForgotState = FormState<"email">;

/**
 * "Forgot password?": the answer (303 to ?sent) is the same for every address, known or not, and
 * takes the same time: the request only enqueues a job; the worker looks the address up and mails
 * a link if it has an account (docs/decisions/0018). Throttled per network and per address.
 */
export function loader({ url }: Route.LoaderArgs) {
  return { sent: url.searchParams.has("sent") };
}

export async function action({ request, context }: Route.ActionArgs) {
  const form = await readForm(request);
  const values = { email: textOf(form, "email")?.slice(0, 320) };
  const parsed = parseForm(forgotPasswordForm, form);
  if (!parsed.ok) return data<ForgotState>({ errors: parsed.errors, values }, { status: 400 });
  const { services, client } = context.get(requestContext);
  try {
    await services.recovery.requestPasswordReset(parsed.data.email, client);
  } catch (error) {
    if (error instanceof AppError) return formFailure<ForgotState>(error, { values });
    throw error;
  }
  return redirect("/forgot-password?sent", 303);
}

export const meta: Route.MetaFunction = () => [{ title: "Forgot password — glassbox" }];

export const headers = documentHeaders("private, no-store");

export default function ForgotPassword({ loaderData, actionData }: Route.ComponentProps) {
  const state: ForgotState | undefined = actionData;
  return (
    <section className="form-page" aria-labelledby="forgot-title">
      <h1 id="forgot-title">Forgot your password?</h1>
      <Notice tone="success">
        {loaderData.sent && !state
          ? "If an account uses that address, a link to choose a new password is on its way. It works once, for 30 minutes."
          : undefined}
      </Notice>
      <Notice tone="error">{state?.formError}</Notice>
      <p>Enter the email address of your account and we will mail you a link to choose a new one.</p>
      <Form method="post" className="stack">
        <TextField
          label="Email"
          name="email"
          type="email"
          autoComplete="email"
          defaultValue={state?.values?.email}
          error={state?.errors?.email}
        />
        <p>
          <button type="submit" className="button">
            Send the link
          </button>
        </p>
      </Form>
      <p>
        Remembered it? <Link to="/login">Sign in</Link>
      </p>
    </section>
  );
}
