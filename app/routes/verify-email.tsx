import { data, Form, Link, redirect } from "react-router";
import { z } from "zod";
import { Notice } from "#app/components/notice.tsx";
import { requestContext, servicesOf } from "#app/context.ts";
import { tokenForm } from "#app/http/account-forms.ts";
import { documentHeaders } from "#app/http/document-headers.ts";
import { parseForm, readForm, textOf } from "#app/http/form.ts";
import { retryAfter } from "#app/http/problem.ts";
import { safeRedirectPath } from "#app/http/redirect-target.ts";
import { accountTokenSchema } from "#app/models/account-token.ts";
import { AppError } from "#app/models/errors.ts";
import { AFTER_SIGN_IN, requireUser } from "#app/sessions/guards.server.ts";
import { beginSignIn } from "#app/sessions/sign-in.server.ts";
import { viewerOf } from "#app/sessions/viewer.server.ts";
import type { Route } from "./+types/verify-email";

/**
 * A mailed verification link (a sign-up's confirmation, a new address, or the current one), and
 * "send the link again". Opening the link changes nothing (mail scanners open links): the page asks
 * to confirm with a button, and the POST does it.
 */
export async function loader({ url, context }: Route.LoaderArgs) {
  const token = accountTokenSchema.safeParse(url.searchParams.get("token"));
  const next = safeRedirectPath(url.searchParams.get("next"), AFTER_SIGN_IN);
  const link = token.success ? await servicesOf(context).recovery.verificationLink(token.data) : undefined;
  if (!token.success || !link) return data({ link: null, token: null, next, signedIn: false }, { status: 400 });
  const { user } = await viewerOf(context);
  return { link, token: token.data, next, signedIn: user !== null };
}

const intents = z.enum(["confirm", "resend"]);

export async function action(args: Route.ActionArgs) {
  const { context, request } = args;
  const form = await readForm(request);
  const { services, client } = context.get(requestContext);
  const intent = intents.safeParse(textOf(form, "intent"));
  if (!intent.success) return data({ problem: "Choose one of the actions on this page." }, { status: 400 });
  try {
    if (intent.data === "resend") {
      const { user } = await requireUser(args);
      await services.recovery.resendVerification(user, client);
      return redirect("/account?done=verification-sent", 303);
    }
    const parsed = parseForm(tokenForm, form);
    if (!parsed.ok) throw new AppError("auth:link_invalid");
    const next = safeRedirectPath(textOf(form, "next"), AFTER_SIGN_IN);
    const { user: viewer } = await viewerOf(context);
    const confirmed = await services.recovery.confirmEmail(parsed.data.token, viewer, client);
    if (confirmed.outcome === "changed") return redirect("/account?done=email-changed", 303);
    // A sign-up's confirmation is its first sign-in: the next page says welcome, once.
    if (confirmed.signIn) return await beginSignIn(context, confirmed.user, next, { welcome: true });
    return redirect(viewer ? "/account?done=email-verified" : "/login?done=email-verified", 303);
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    // A new address is only taken by its account's owner: sign in first, then follow the link again.
    if (error.code === "auth:unauthenticated")
      return redirect(
        `/login?${new URLSearchParams({ next: `/verify-email?token=${textOf(form, "token") ?? ""}` })}`,
        303,
      );
    return data({ problem: error.message }, { status: error.status, headers: retryAfter(error) });
  }
}

export const meta: Route.MetaFunction = () => [{ title: "Confirm your email address — glassbox" }];

export const headers = documentHeaders("private, no-store");

export default function VerifyEmail({ loaderData, actionData }: Route.ComponentProps) {
  const { link, token, next } = loaderData;
  if (actionData || !link || !token) {
    return (
      <section className="form-page" aria-labelledby="verify-title">
        <h1 id="verify-title">{actionData ? "Not confirmed" : "This link no longer works"}</h1>
        <p role="alert">{actionData?.problem ?? new AppError("auth:link_invalid").message}</p>
        <p>
          <Link to="/account">Your account</Link> (a signed-in member can send a new link from the banner) ·{" "}
          <Link to="/login">Sign in</Link>
        </p>
      </section>
    );
  }
  return (
    <section className="form-page" aria-labelledby="verify-title">
      <h1 id="verify-title">{link.change ? "Confirm your new email address" : "Confirm your email address"}</h1>
      <p>
        {link.change
          ? `Confirming moves your account to ${link.email}. Only the account's owner can do it: sign in first if you are not.`
          : `Confirming proves that ${link.email} is yours.`}
      </p>
      <Notice tone="error">
        {link.change && !loaderData.signedIn
          ? "You are not signed in: confirming will ask you to sign in first."
          : undefined}
      </Notice>
      <Form method="post">
        <input type="hidden" name="intent" value="confirm" />
        <input type="hidden" name="token" value={token} />
        <input type="hidden" name="next" value={next} />
        <button type="submit" className="button">
          Confirm {link.email}
        </button>
      </Form>
    </section>
  );
}
