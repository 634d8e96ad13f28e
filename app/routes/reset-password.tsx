import { data, Form, Link, redirect } from "react-router";
import { Notice } from "#app/components/notice.tsx";
import { TextField } from "#app/components/text-field.tsx";
import { requestContext, servicesOf } from "#app/context.ts";
import { resetPasswordForm } from "#app/http/account-forms.ts";
import { documentHeaders } from "#app/http/document-headers.ts";
import { parseForm, readForm, type FormState } from "#app/http/form.ts";
import { formFailure } from "#app/http/problem.ts";
import { accountTokenSchema } from "#app/models/account-token.ts";
import { AppError } from "#app/models/errors.ts";
import type { Route } from "./+types/reset-password";

type ResetState = FormState<"password"> & { readonly linkDead?: boolean };

/** The mailed link's page: a new password, if the link is still good (single use, 30 minutes). */
export async function loader({ url, context }: Route.LoaderArgs) {
  const token = accountTokenSchema.safeParse(url.searchParams.get("token"));
  const live = token.success && (await servicesOf(context).recovery.resetLinkIsLive(token.data));
  // The token only travels in this page's form; a dead one is a 400 that says to ask again.
  if (!live) return data({ token: null }, { status: 400 });
  return { token: token.data };
}

export async function action({ request, context }: Route.ActionArgs) {
  const form = await readForm(request);
  const parsed = parseForm(resetPasswordForm, form);
  if (!parsed.ok && parsed.errors.token) return data<ResetState>({ linkDead: true }, { status: 400 });
  if (!parsed.ok) return data<ResetState>({ errors: parsed.errors }, { status: 400 });
  const { services, client } = context.get(requestContext);
  try {
    await services.recovery.resetPassword(parsed.data.token, parsed.data.password, client);
  } catch (error) {
    if (error instanceof AppError && error.code === "auth:link_invalid")
      return data<ResetState>({ linkDead: true }, { status: 400 });
    if (error instanceof AppError) return formFailure<ResetState>(error, {});
    throw error;
  }
  // Every session of the account ended (this browser's too, if it was signed in to it): sign in again.
  return redirect("/login?done=password-reset", 303);
}

export const meta: Route.MetaFunction = () => [{ title: "Choose a new password — glassbox" }];

export const headers = documentHeaders("private, no-store");

export default function ResetPassword({ loaderData, actionData }: Route.ComponentProps) {
  const state: ResetState | undefined = actionData;
  if (!loaderData.token || state?.linkDead) {
    return (
      <section className="form-page" aria-labelledby="reset-title">
        <h1 id="reset-title">This link no longer works</h1>
        <p role="alert">{new AppError("auth:link_invalid").message}</p>
        <p>
          <Link className="button" to="/forgot-password">
            Send a new link
          </Link>
        </p>
      </section>
    );
  }
  return (
    <section className="form-page" aria-labelledby="reset-title">
      <h1 id="reset-title">Choose a new password</h1>
      <Notice tone="error">{state?.formError}</Notice>
      <p>Choosing it signs you out everywhere, this browser included.</p>
      <Form method="post" className="stack">
        <input type="hidden" name="token" value={loaderData.token} />
        <TextField
          label="New password"
          name="password"
          type="password"
          autoComplete="new-password"
          hint="At least 12 characters"
          error={state?.errors?.password}
        />
        <p>
          <button type="submit" className="button">
            Set the new password
          </button>
        </p>
      </Form>
    </section>
  );
}
