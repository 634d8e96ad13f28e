import { data, Form, Link, redirect } from "react-router";
import { z } from "zod";
import { DeleteAccount, DisplayNameSettings, EmailSettings } from "#app/components/account-settings.tsx";
import { ConnectedAccounts } from "#app/components/connected-accounts.tsx";
import { DateTime } from "#app/components/date-time.tsx";
import { useResetAfterAnswer } from "#app/components/form-reset.ts";
import { Notice } from "#app/components/notice.tsx";
import { TextField } from "#app/components/text-field.tsx";
import { requestContext, servicesOf } from "#app/context.ts";
import {
  changeEmailForm,
  changePasswordForm,
  deleteAccountForm,
  displayNameForm,
  revokeSessionForm,
  setPasswordForm,
} from "#app/http/account-forms.ts";
import { parseForm, readForm, textOf, type FormState } from "#app/http/form.ts";
import { documentHeaders } from "#app/http/document-headers.ts";
import { formFailure } from "#app/http/problem.ts";
import { AppError } from "#app/models/errors.ts";
import { deviceName } from "#app/models/user-agent.ts";
import { requireUser } from "#app/sessions/guards.server.ts";
import { isEmailVerified } from "#app/models/user.ts";
import type { IdentityProof } from "#app/services/accounts.server.ts";
import { attemptingClient, endSessionAndRedirect, signInAndRedirect } from "#app/sessions/sign-in.server.ts";
import type { Route } from "./+types/account";

const intents = z.enum([
  "revoke-session",
  "sign-out-others",
  "change-password",
  "display-name",
  "change-email",
  "delete-account",
]);
type Intent = z.infer<typeof intents>;
type AccountState = FormState<
  "currentPassword" | "newPassword" | "displayName" | "email" | "code" | "confirmUsername"
> & { readonly intent?: Intent };

/** Success messages after the redirect (303 to ?done=…), so a reload never repeats the action. */
const notices = {
  "session-revoked": "The session was signed out.",
  "others-signed-out": "Every other session was signed out.",
  "password-changed": "Your password was changed, and your other sessions were signed out.",
  "github-linked": "GitHub is connected: you can now sign in with it.",
  "github-unlinked": "GitHub was disconnected from your account.",
  "google-linked": "Google is connected: you can now sign in with it.",
  "google-unlinked": "Google was disconnected from your account.",
  "display-name-changed": "Your display name was saved.",
  "email-change-sent":
    "We sent a link to the new address. Your account moves to it when you follow the link; until then it keeps its current address.",
  "email-changed": "Your email address was changed.",
  "email-verified": "Your email address is confirmed.",
  "verification-sent": "We sent a new confirmation link to your email address.",
} as const;
const doneSchema = z.enum(Object.keys(notices) as [keyof typeof notices]);

export async function loader(args: Route.LoaderArgs) {
  const { user, session } = await requireUser(args);
  const { accounts, oauth, twoFactor } = servicesOf(args.context);
  const sessions = await accounts.listSessions(user, session.id);
  const done = doneSchema.safeParse(args.url.searchParams.get("done"));
  return {
    user: {
      username: user.username,
      email: user.email,
      role: user.role,
      createdAt: user.createdAt,
      displayName: user.displayName,
      emailVerified: isEmailVerified(user),
    },
    // Named on the server: the user-agent parser stays out of the browser bundle.
    sessions: sessions.map((one) => ({ ...one, device: deviceName(one.userAgent) })),
    twoFactorOn: (await twoFactor.status(user)).state === "on",
    hasPassword: await accounts.hasPassword(user),
    connections: await oauth.connectionsOf(user),
    providers: oauth.enabled(),
    notice: done.success ? notices[done.data] : undefined,
  };
}

export async function action(args: Route.ActionArgs) {
  const { user, session } = await requireUser(args);
  const { services, client } = args.context.get(requestContext);
  const form = await readForm(args.request);
  const intent = intents.safeParse(textOf(form, "intent"));
  if (!intent.success)
    return data<AccountState>({ formError: "Choose one of the actions on this page." }, { status: 400 });
  try {
    switch (intent.data) {
      case "revoke-session": {
        const parsed = parseForm(revokeSessionForm, form);
        if (!parsed.ok)
          return data<AccountState>({ intent: intent.data, formError: parsed.errors.session }, { status: 400 });
        await services.accounts.revokeSession(user, parsed.data.session, client);
        return redirectTo("session-revoked");
      }
      case "sign-out-others":
        await services.accounts.revokeOtherSessions(user, session.id, client);
        return redirectTo("others-signed-out");
      case "change-password": {
        const hasPassword = await services.accounts.hasPassword(user);
        const parsed = hasPassword ? parseForm(changePasswordForm, form) : parseForm(setPasswordForm, form);
        if (!parsed.ok) return data<AccountState>({ intent: intent.data, errors: parsed.errors }, { status: 400 });
        await services.accounts.changePassword(
          user,
          parsed.data.currentPassword,
          parsed.data.newPassword,
          session.id,
          await attemptingClient(args.context),
        );
        // A new id for this device too: the password change is a privilege boundary.
        return await signInAndRedirect(args.context, user, "/account?done=password-changed");
      }
      case "display-name": {
        const parsed = parseForm(displayNameForm, form);
        if (!parsed.ok) return data<AccountState>({ intent: intent.data, errors: parsed.errors }, { status: 400 });
        await services.accounts.setDisplayName(user, parsed.data.displayName, client);
        return redirectTo("display-name-changed");
      }
      case "change-email": {
        const parsed = parseForm(changeEmailForm, form);
        const values = { email: textOf(form, "email")?.slice(0, 320) };
        if (!parsed.ok)
          return data<AccountState>({ intent: intent.data, errors: parsed.errors, values }, { status: 400 });
        try {
          // The same answer whether the new address is free or another account's (docs/decisions/0018).
          await services.recovery.requestEmailChange(user, parsed.data.email, proofOf(parsed.data), client);
        } catch (error) {
          if (error instanceof AppError) return identityFailure(error, intent.data, values);
          throw error;
        }
        return redirectTo("email-change-sent");
      }
      case "delete-account": {
        const parsed = parseForm(deleteAccountForm, form);
        if (!parsed.ok) return data<AccountState>({ intent: intent.data, errors: parsed.errors }, { status: 400 });
        try {
          await services.accounts.deleteAccount(user, proofOf(parsed.data), client);
        } catch (error) {
          if (error instanceof AppError) return identityFailure(error, intent.data);
          throw error;
        }
        return endSessionAndRedirect(args.context, "/login?done=account-deleted");
      }
    }
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    if (error.code === "auth:wrong_password") {
      return data<AccountState>(
        { intent: intent.data, errors: { currentPassword: error.message } },
        { status: error.status },
      );
    }
    return formFailure<AccountState>(error, { intent: intent.data });
  }
}

function redirectTo(done: keyof typeof notices) {
  return redirect(`/account?done=${done}`, 303);
}

const proofOf = (fields: {
  currentPassword?: IdentityProof["password"];
  code?: IdentityProof["secondFactor"];
  confirmUsername?: string;
}): IdentityProof => ({
  password: fields.currentPassword,
  secondFactor: fields.code,
  username: fields.confirmUsername,
});

/** A refused confirmation ("is it you?") next to the field it concerns; other refusals above the form. */
function identityFailure(error: AppError, intent: Intent, values?: AccountState["values"]) {
  const field = {
    "auth:wrong_password": "currentPassword",
    "auth:totp_invalid": "code",
    "account:confirmation_mismatch": "confirmUsername",
    "account:email_unchanged": "email",
  } as const;
  const name = field[error.code as keyof typeof field];
  if (name) return data<AccountState>({ intent, errors: { [name]: error.message }, values }, { status: error.status });
  return formFailure<AccountState>(error, { intent, values });
}

/** The forms that show their own errors (the rest show them at the top of the page). */
const ownForm = new Set<Intent>(["change-password", "change-email", "delete-account"]);

export const meta: Route.MetaFunction = () => [{ title: "Your account — glassbox" }];

export const headers = documentHeaders("private, no-store");

export default function Account({ loaderData, actionData }: Route.ComponentProps) {
  const { user, sessions, twoFactorOn, notice, hasPassword } = loaderData;
  const state: AccountState | undefined = actionData;
  const others = sessions.filter((session) => !session.current);
  const passwordForm = useResetAfterAnswer(state?.intent === "change-password" ? state : undefined);
  return (
    <>
      <h1>Your account</h1>
      <Notice tone="success">{state ? undefined : notice}</Notice>
      <Notice tone="error">{state?.intent && ownForm.has(state.intent) ? undefined : state?.formError}</Notice>

      <section aria-labelledby="profile-title">
        <h2 id="profile-title">Profile</h2>
        <dl className="facts">
          <dt>Username</dt>
          <dd>{user.username}</dd>
          <dt>Email</dt>
          <dd>{user.email}</dd>
          <dt>Role</dt>
          <dd>{user.role}</dd>
          <dt>Member since</dt>
          <dd>
            <DateTime value={user.createdAt} />
          </dd>
        </dl>
      </section>

      <section aria-labelledby="sessions-title">
        <h2 id="sessions-title">Active sessions</h2>
        <ul className="session-list">
          {sessions.map((session) => (
            <li key={session.handle} className="card">
              <p className="session-list__device">{session.device}</p>
              {session.userAgent ? (
                <details className="session-list__agent">
                  <summary>Full user agent</summary>
                  <code>{session.userAgent}</code>
                </details>
              ) : null}
              <dl className="facts">
                <dt>IP address</dt>
                <dd>{session.ip ?? "unknown"}</dd>
                <dt>Signed in</dt>
                <dd>
                  <DateTime value={session.createdAt} />
                </dd>
                <dt>Last seen</dt>
                <dd>
                  <DateTime value={session.lastSeenAt} />
                </dd>
              </dl>
              {session.current ? (
                <p className="badge">This device</p>
              ) : (
                <Form method="post">
                  <input type="hidden" name="intent" value="revoke-session" />
                  <input type="hidden" name="session" value={session.handle} />
                  <button type="submit" className="button button--quiet">
                    Revoke
                    <span className="visually-hidden"> the session from {session.ip ?? "an unknown address"}</span>
                  </button>
                </Form>
              )}
            </li>
          ))}
        </ul>
        {others.length > 0 ? (
          <Form method="post">
            <input type="hidden" name="intent" value="sign-out-others" />
            <button type="submit" className="button button--quiet">
              Sign out everywhere else
            </button>
          </Form>
        ) : null}
      </section>

      <section aria-labelledby="two-factor-title">
        <h2 id="two-factor-title">Two-factor authentication</h2>
        <p>
          {twoFactorOn
            ? "On: signing in asks for a code from your authenticator app."
            : "Off: signing in asks only for your password."}
        </p>
        <p>
          <Link to="/account/two-factor">Manage two-factor authentication</Link>
        </p>
      </section>

      <DisplayNameSettings
        displayName={user.displayName}
        error={state?.intent === "display-name" ? state.errors?.displayName : undefined}
      />

      <EmailSettings
        email={user.email}
        verified={user.emailVerified}
        methods={{ hasPassword, twoFactorOn }}
        username={user.username}
        typedEmail={state?.intent === "change-email" ? state.values?.email : undefined}
        errors={state?.intent === "change-email" ? state.errors : undefined}
        formError={state?.intent === "change-email" ? state.formError : undefined}
      />

      <ConnectedAccounts
        connections={loaderData.connections}
        enabled={loaderData.providers}
        hasPassword={hasPassword}
      />

      <section aria-labelledby="password-title">
        <h2 id="password-title">{hasPassword ? "Change password" : "Set a password"}</h2>
        <p>
          {hasPassword
            ? "Changing it signs you out everywhere else."
            : "Your account was made with GitHub or Google. A password lets you sign in without it; setting one signs you out everywhere else."}
        </p>
        <Notice tone="error">{state?.intent === "change-password" ? state.formError : undefined}</Notice>
        <Form ref={passwordForm} method="post" className="stack">
          <input type="hidden" name="intent" value="change-password" />
          {hasPassword ? (
            <TextField
              label="Current password"
              name="currentPassword"
              type="password"
              autoComplete="current-password"
              error={state?.errors?.currentPassword}
            />
          ) : null}
          <TextField
            label="New password"
            name="newPassword"
            type="password"
            autoComplete="new-password"
            hint="At least 12 characters"
            error={state?.errors?.newPassword}
          />
          <p>
            <button type="submit" className="button">
              {hasPassword ? "Change password" : "Set password"}
            </button>
          </p>
        </Form>
      </section>

      <DeleteAccount
        methods={{ hasPassword, twoFactorOn }}
        username={user.username}
        errors={state?.intent === "delete-account" ? state.errors : undefined}
        formError={state?.intent === "delete-account" ? state.formError : undefined}
      />
    </>
  );
}
