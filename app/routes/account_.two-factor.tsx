import { data, Form, Link, redirect } from "react-router";
import { z } from "zod";
import { Notice } from "#app/components/notice.tsx";
import { TextField } from "#app/components/text-field.tsx";
import { requestContext, servicesOf } from "#app/context.ts";
import { documentHeaders } from "#app/http/document-headers.ts";
import { parseForm, readForm, textOf, type FormState } from "#app/http/form.ts";
import { formFailure } from "#app/http/problem.ts";
import { qrCodeDataUri } from "#app/http/qr-code.server.ts";
import { confirmTwoFactorForm, secondFactorForm } from "#app/http/two-factor-forms.ts";
import { AppError } from "#app/models/errors.ts";
import { requireUser } from "#app/sessions/guards.server.ts";
import { attemptingClient } from "#app/sessions/sign-in.server.ts";
import type { Route } from "./+types/account_.two-factor";

/**
 * Two-factor authentication for the signed-in member: set up (QR code and secret, confirmed with
 * a code), the backup codes shown once, new backup codes, turning it off. Every step is a form
 * post; the setup's secret lives in the database, so it survives a reload and only a same-site
 * POST (refused cross-site before it reaches here) can start or cancel one.
 */
const intents = z.enum(["start", "cancel", "confirm", "regenerate", "disable"]);
type Intent = z.infer<typeof intents>;
type TwoFactorState = FormState<"code"> & { readonly intent?: Intent; readonly backupCodes?: readonly string[] };

const notices = {
  cancelled: "The setup was cancelled.",
  disabled: "Two-factor authentication is off. Signing in asks only for your password.",
} as const;
const doneSchema = z.enum(Object.keys(notices) as [keyof typeof notices]);

const PAGE = "/account/two-factor";

export async function loader(args: Route.LoaderArgs) {
  const { user } = await requireUser(args);
  const status = await servicesOf(args.context).twoFactor.status(user);
  const done = doneSchema.safeParse(args.url.searchParams.get("done"));
  const notice = done.success ? notices[done.data] : undefined;
  if (status.state !== "setting-up") return { status, notice };
  // The secret in groups of four, as people type it; the URI reaches the page only inside the QR code.
  const secret = status.secret.match(/.{1,4}/g)?.join(" ") ?? status.secret;
  return { status: { state: status.state, secret, qrCode: await qrCodeDataUri(status.uri) }, notice };
}

export async function action(args: Route.ActionArgs) {
  const { user } = await requireUser(args);
  const { services } = args.context.get(requestContext);
  const form = await readForm(args.request);
  const intent = intents.safeParse(textOf(form, "intent"));
  if (!intent.success)
    return data<TwoFactorState>({ formError: "Choose one of the actions on this page." }, { status: 400 });
  const invalid = (errors: TwoFactorState["errors"]) =>
    data<TwoFactorState>({ intent: intent.data, errors }, { status: 400 });
  try {
    switch (intent.data) {
      case "start":
        await services.twoFactor.startSetup(user);
        return redirect(PAGE, 303);
      case "cancel":
        await services.twoFactor.cancelSetup(user);
        return redirect(`${PAGE}?done=cancelled`, 303);
      case "confirm": {
        const parsed = parseForm(confirmTwoFactorForm, form);
        if (!parsed.ok) return invalid(parsed.errors);
        // The backup codes are shown in this response and never again (only their hashes are kept), so no redirect here.
        return {
          intent: intent.data,
          backupCodes: await services.twoFactor.confirmSetup(
            user,
            parsed.data.code,
            await attemptingClient(args.context),
          ),
        };
      }
      case "regenerate": {
        const parsed = parseForm(secondFactorForm, form);
        if (!parsed.ok) return invalid(parsed.errors);
        return {
          intent: intent.data,
          backupCodes: await services.twoFactor.regenerateBackupCodes(
            user,
            parsed.data.code,
            await attemptingClient(args.context),
          ),
        };
      }
      case "disable": {
        const parsed = parseForm(secondFactorForm, form);
        if (!parsed.ok) return invalid(parsed.errors);
        await services.twoFactor.disable(user, parsed.data.code, await attemptingClient(args.context));
        return redirect(`${PAGE}?done=disabled`, 303);
      }
    }
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    if (error.code === "auth:totp_invalid")
      return data<TwoFactorState>({ intent: intent.data, errors: { code: error.message } }, { status: error.status });
    return formFailure<TwoFactorState>(error, { intent: intent.data });
  }
}

export const meta: Route.MetaFunction = () => [{ title: "Two-factor authentication — glassbox" }];

export const headers = documentHeaders("private, no-store");

export default function TwoFactor({ loaderData, actionData }: Route.ComponentProps) {
  const { status, notice } = loaderData;
  const state: TwoFactorState | undefined = actionData;
  const errorsOf = (intent: Intent) => (state?.intent === intent ? state.errors?.code : undefined);
  return (
    <>
      <h1>Two-factor authentication</h1>
      <p>
        <Link to="/account">Back to your account</Link>
      </p>
      <Notice tone="success">{state ? undefined : notice}</Notice>
      <Notice tone="error">{state?.formError}</Notice>

      {state?.backupCodes ? (
        <section aria-labelledby="backup-codes-title">
          <h2 id="backup-codes-title">Your backup codes</h2>
          <p>
            {state.intent === "confirm"
              ? "Two-factor authentication is on. "
              : "Your old backup codes no longer work. "}
            Keep these somewhere safe: each one signs you in once if you lose your authenticator app. They are shown
            only now.
          </p>
          <ol className="backup-codes" aria-label="Backup codes">
            {state.backupCodes.map((code) => (
              <li key={code}>
                <code>{code}</code>
              </li>
            ))}
          </ol>
          <p>
            <Link to={PAGE}>I have saved them</Link>
          </p>
        </section>
      ) : status.state === "off" ? (
        <section aria-labelledby="off-title">
          <h2 id="off-title">Off</h2>
          <p>
            With two-factor authentication, signing in asks for a code from an authenticator app on your phone after
            your password.
          </p>
          <Form method="post">
            <input type="hidden" name="intent" value="start" />
            <button type="submit" className="button">
              Set up two-factor authentication
            </button>
          </Form>
        </section>
      ) : status.state === "setting-up" ? (
        <section aria-labelledby="setup-title">
          <h2 id="setup-title">Set up your authenticator app</h2>
          <ol className="stack">
            <li>
              <p>Scan this QR code with your authenticator app:</p>
              <img
                src={status.qrCode}
                width={200}
                height={200}
                alt="QR code that adds glassbox to an authenticator app"
              />
              <p>
                Or type this secret into the app: <code data-testid="totp-secret">{status.secret}</code>
              </p>
            </li>
            <li>
              <p>Enter the code the app shows to turn two-factor authentication on.</p>
              <Form method="post" className="stack">
                <input type="hidden" name="intent" value="confirm" />
                <TextField
                  label="Code from the app"
                  name="code"
                  autoComplete="one-time-code"
                  error={errorsOf("confirm")}
                />
                <p>
                  <button type="submit" className="button">
                    Turn on two-factor authentication
                  </button>
                </p>
              </Form>
            </li>
          </ol>
          <Form method="post">
            <input type="hidden" name="intent" value="cancel" />
            <button type="submit" className="button button--quiet">
              Cancel setup
            </button>
          </Form>
        </section>
      ) : status.state === "on" ? (
        <>
          <section aria-labelledby="on-title">
            <h2 id="on-title">On</h2>
            <p>{`Signing in asks for a code from your authenticator app. You have ${status.backupCodesLeft} unused backup ${status.backupCodesLeft === 1 ? "code" : "codes"}.`}</p>
          </section>
          <section aria-labelledby="regenerate-title">
            <h2 id="regenerate-title">New backup codes</h2>
            <p>Replaces all your backup codes with ten new ones.</p>
            <Form method="post" className="stack">
              <input type="hidden" name="intent" value="regenerate" />
              <TextField
                label="Code for new backup codes"
                name="code"
                autoComplete="one-time-code"
                hint="From your app, or a backup code"
                error={errorsOf("regenerate")}
              />
              <p>
                <button type="submit" className="button">
                  Make new backup codes
                </button>
              </p>
            </Form>
          </section>
          <section aria-labelledby="disable-title">
            <h2 id="disable-title">Turn off</h2>
            <Form method="post" className="stack">
              <input type="hidden" name="intent" value="disable" />
              <TextField
                label="Code to turn off"
                name="code"
                autoComplete="one-time-code"
                hint="From your app, or a backup code"
                error={errorsOf("disable")}
              />
              <p>
                <button type="submit" className="button button--quiet">
                  Turn off two-factor authentication
                </button>
              </p>
            </Form>
          </section>
        </>
      ) : null}
    </>
  );
}
