import { data, Form, Link, redirect } from "react-router";
import { useResetAfterAnswer } from "#app/components/form-reset.ts";
import { OAuthButtons } from "#app/components/oauth-button.tsx";
import { Notice } from "#app/components/notice.tsx";
import { TextField } from "#app/components/text-field.tsx";
import { requestContext, servicesOf } from "#app/context.ts";
import { registerForm } from "#app/http/account-forms.ts";
import { documentHeaders } from "#app/http/document-headers.ts";
import { parseForm, readForm, textOf, type FormState } from "#app/http/form.ts";
import { formFailure } from "#app/http/problem.ts";
import { safeRedirectPath } from "#app/http/redirect-target.ts";
import { AppError } from "#app/models/errors.ts";
import { AFTER_SIGN_IN, requireGuest } from "#app/sessions/guards.server.ts";
import type { Route } from "./+types/register";

type RegisterState = FormState<"username" | "email" | "password">;

export async function loader(args: Route.LoaderArgs) {
  const { next } = await requireGuest(args);
  return { next, providers: servicesOf(args.context).oauth.enabled() };
}

export async function action({ request, context }: Route.ActionArgs) {
  const form = await readForm(request);
  const next = safeRedirectPath(textOf(form, "next"), AFTER_SIGN_IN);
  const values = { username: textOf(form, "username")?.slice(0, 100), email: textOf(form, "email")?.slice(0, 320) };
  const parsed = parseForm(registerForm, form);
  if (!parsed.ok) return data<RegisterState>({ errors: parsed.errors, values }, { status: 400 });
  const { services, client } = context.get(requestContext);
  try {
    // A taken username is public (chat shows it); a taken email is not: that answer is the same as
    // for a new one, and the address's owner gets a mail instead (docs/decisions/0018).
    const result = await services.accounts.register(parsed.data, client, next);
    if (!result.ok)
      return data<RegisterState>({ errors: { username: "This username is taken" }, values }, { status: 409 });
    return redirect(`/register/check-email?${new URLSearchParams({ next })}`, 303);
  } catch (error) {
    // The sign-up throttle: a 429 with Retry-After, the typed values kept.
    if (error instanceof AppError) return formFailure<RegisterState>(error, { values });
    throw error;
  }
}

export const headers = documentHeaders();

export const meta: Route.MetaFunction = () => [{ title: "Create an account — glassbox" }];

export default function Register({ loaderData, actionData }: Route.ComponentProps) {
  const state: RegisterState | undefined = actionData;
  const form = useResetAfterAnswer(state);
  return (
    <section className="form-page" aria-labelledby="register-title">
      <h1 id="register-title">Create an account</h1>
      <Notice tone="error">
        {state?.formError ?? (state?.errors ? "Please correct the fields marked below." : undefined)}
      </Notice>
      <Form ref={form} method="post" className="stack">
        <input type="hidden" name="next" value={loaderData.next} />
        <TextField
          label="Username"
          name="username"
          autoComplete="username"
          hint="3 to 20 characters: lowercase letters, digits and _"
          defaultValue={state?.values?.username}
          error={state?.errors?.username}
        />
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
          autoComplete="new-password"
          hint="At least 12 characters"
          error={state?.errors?.password}
        />
        <p>
          <button type="submit" className="button">
            Create account
          </button>
        </p>
      </Form>
      <OAuthButtons providers={loaderData.providers} next={loaderData.next} />
      <p>
        Already have an account? <Link to={`/login?${new URLSearchParams({ next: loaderData.next })}`}>Sign in</Link>
      </p>
    </section>
  );
}
