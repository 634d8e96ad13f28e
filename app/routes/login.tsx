import { data, Form, Link } from "react-router";
import { useResetAfterAnswer } from "#app/components/form-reset.ts";
import { z } from "zod";
import { Notice } from "#app/components/notice.tsx";
import { OAuthButtons } from "#app/components/oauth-button.tsx";
import { TextField } from "#app/components/text-field.tsx";
import { requestContext, servicesOf } from "#app/context.ts";
import { readForm, textOf, type FormState } from "#app/http/form.ts";
import { documentHeaders } from "#app/http/document-headers.ts";
import { formFailure } from "#app/http/problem.ts";
import { safeRedirectPath } from "#app/http/redirect-target.ts";
import { AppError } from "#app/models/errors.ts";
import { authenticate, LoginFormInvalid } from "#app/sessions/authenticator.server.ts";
import { AFTER_SIGN_IN, requireGuest } from "#app/sessions/guards.server.ts";
import { attemptingClient, beginSignIn } from "#app/sessions/sign-in.server.ts";
import type { Route } from "./+types/login";

type LoginState = FormState<"email" | "password">;

/** What a mailed link or the account page did before sending the visitor here (`?done=`). */
const notices = {
  "email-verified": "Your email address is confirmed. Sign in to continue.",
  "password-reset": "Your password was changed and every session was signed out. Sign in with the new password.",
  "account-deleted": "Your account was deleted.",
} as const;
const doneSchema = z.enum(Object.keys(notices) as [keyof typeof notices]);

export async function loader(args: Route.LoaderArgs) {
  const { next } = await requireGuest(args);
  const done = doneSchema.safeParse(args.url.searchParams.get("done"));
  return {
    next,
    providers: servicesOf(args.context).oauth.enabled(),
    notice: done.success ? notices[done.data] : undefined,
  };
}

export async function action({ request, context }: Route.ActionArgs) {
  // Our own copy of the form (for `next` and the typed email); remix-auth reads the body itself.
  const form = await readForm(request);
  const next = safeRedirectPath(textOf(form, "next"), AFTER_SIGN_IN);
  const values = { email: textOf(form, "email")?.slice(0, 320) };
  const { services } = context.get(requestContext);
  try {
    const user = await authenticate(request, services.accounts, await attemptingClient(context));
    return await beginSignIn(context, user, next);
  } catch (error) {
    if (error instanceof LoginFormInvalid) return data<LoginState>({ errors: error.errors, values }, { status: 400 });
    if (error instanceof AppError) return formFailure<LoginState>(error, { values });
    throw error;
  }
}

export const meta: Route.MetaFunction = () => [{ title: "Sign in — glassbox" }];

export const headers = documentHeaders();

export default function Login({ loaderData, actionData }: Route.ComponentProps) {
  const state: LoginState | undefined = actionData;
  const form = useResetAfterAnswer(state);
  return (
    <section className="form-page" aria-labelledby="login-title">
      <h1 id="login-title">Sign in</h1>
      <Notice tone="success">{state ? undefined : loaderData.notice}</Notice>
      <Notice tone="error">{state?.formError}</Notice>
      <Form ref={form} method="post" className="stack">
        <input type="hidden" name="next" value={loaderData.next} />
        <TextField
          label="Email"
          name="email"
          type="email"
          autoComplete="email"
          defaultValue={state?.values?.email}
          error={state?.errors?.email}
        />
        <TextField
          label="Password"
          name="password"
          type="password"
          autoComplete="current-password"
          error={state?.errors?.password}
        />
        <p>
          <button type="submit" className="button">
            Sign in
          </button>
        </p>
      </Form>
      <p>
        <Link to="/forgot-password">Forgot password?</Link>
      </p>
      <OAuthButtons providers={loaderData.providers} next={loaderData.next} />
      <p className="field__hint">
        Just created an account? Follow the link in the mail we sent you first: it finishes the sign-up and signs you
        in.
      </p>
      <p>
        New here? <Link to={`/register?${new URLSearchParams({ next: loaderData.next })}`}>Create an account</Link>
      </p>
    </section>
  );
}
