import { data, Form, Link } from "react-router";
import { Notice } from "#app/components/notice.tsx";
import { TextField } from "#app/components/text-field.tsx";
import { requestContext } from "#app/context.ts";
import { documentHeaders } from "#app/http/document-headers.ts";
import { parseForm, readForm, type FormState } from "#app/http/form.ts";
import { formFailure } from "#app/http/problem.ts";
import { secondFactorForm } from "#app/http/two-factor-forms.ts";
import { AppError } from "#app/models/errors.ts";
import { requireGuest } from "#app/sessions/guards.server.ts";
import { attemptingClient, finishSignIn } from "#app/sessions/sign-in.server.ts";
import type { Route } from "./+types/login_.two-factor";

/**
 * The second sign-in step: after a right password, an account with two-factor on lands here
 * holding only the pending-step cookie (no session). A right code starts the session and goes on
 * to the `next` the sign-in form carried.
 */
type StepState = FormState<"code"> & { readonly expired?: boolean };

const expired = () => new AppError("auth:totp_pending_expired");

export async function loader(args: Route.LoaderArgs) {
  await requireGuest(args);
  const { pendingSignIn } = args.context.get(requestContext);
  if (await pendingSignIn.read(args.request.headers.get("Cookie"))) return { expired: false };
  return data({ expired: true }, { status: expired().status });
}

export async function action({ request, context }: Route.ActionArgs) {
  const { services, pendingSignIn } = context.get(requestContext);
  const pending = await pendingSignIn.read(request.headers.get("Cookie"));
  if (!pending) return formFailure<StepState>(expired(), { expired: true });
  const parsed = parseForm(secondFactorForm, await readForm(request));
  if (!parsed.ok) return data<StepState>({ errors: parsed.errors }, { status: 400 });
  try {
    const user = await services.twoFactor.completeSignIn(
      pending.userId,
      parsed.data.code,
      await attemptingClient(context),
    );
    return await finishSignIn(context, user, pending.next);
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    if (error.code === "auth:totp_invalid")
      return data<StepState>({ errors: { code: error.message } }, { status: error.status });
    return formFailure<StepState>(error, { expired: error.code === "auth:totp_pending_expired" });
  }
}

export const meta: Route.MetaFunction = () => [{ title: "Two-factor sign-in — glassbox" }];

export const headers = documentHeaders("private, no-store");

export default function TwoFactorStep({ loaderData, actionData }: Route.ComponentProps) {
  const state: StepState | undefined = actionData;
  const isExpired = state?.expired ?? loaderData.expired;
  return (
    <section className="form-page" aria-labelledby="two-factor-title">
      <h1 id="two-factor-title">Two-factor sign-in</h1>
      {isExpired ? (
        <>
          <Notice tone="error">{state?.formError ?? expired().message}</Notice>
          <p>
            <Link to="/login">Sign in again</Link>
          </p>
        </>
      ) : (
        <>
          <Notice tone="error">{state?.formError}</Notice>
          <p>
            Enter the 6-digit code your authenticator app shows for glassbox. Lost your phone? Enter one of your backup
            codes instead.
          </p>
          <Form method="post" className="stack">
            <TextField
              label="Code"
              name="code"
              autoComplete="one-time-code"
              hint="6 digits, or a backup code like abcd-efgh-jkmn-pqrs"
              error={state?.errors?.code}
            />
            <p>
              <button type="submit" className="button">
                Verify and sign in
              </button>
            </p>
          </Form>
          <p>
            <Link to="/login">Start over</Link>
          </p>
        </>
      )}
    </section>
  );
}
