import { redirect, type RouterContextProvider } from "react-router";
import { requestContext } from "../context.ts";
import type { User } from "../models/user.ts";
import { viewerOf } from "./viewer.ts";

/**
 * Signs the user in on this device and redirects (303). The previous session, if any, is deleted
 * and a new id is minted, so an id known before sign-in is worthless after it (no fixation).
 */
export async function signInAndRedirect(context: Readonly<RouterContextProvider>, user: User, to: string): Promise<Response> {
  const { sessions, client, services, visitorId } = context.get(requestContext);
  const { session: previous } = await viewerOf(context);
  if (previous.id) await sessions.destroySession(previous);
  const cookie = await sessions.startSession({ userId: user.id }, { userId: user.id, ip: client.ip, userAgent: client.userAgent });
  // The visitor's other tabs update their header and lab panels (the `session` live event).
  await services.sessionEvents.announce({ visitorId }, "signed-in");
  return redirect(to, { status: 303, headers: { "Set-Cookie": cookie } });
}

/** Where the second sign-in step is asked for. */
export const TWO_FACTOR_STEP = "/login/two-factor";

/**
 * The one decision every sign-in goes through once the first factor (a password, or an OAuth
 * provider) has named the user: with two-factor on, start the short-lived pending step and send
 * them to the code page (no session yet); otherwise sign in now. `to` survives the step.
 */
export async function beginSignIn(context: Readonly<RouterContextProvider>, user: User, to: string): Promise<Response> {
  const { services, pendingSignIn } = context.get(requestContext);
  if (!(await services.twoFactor.isEnabled(user.id))) return signInAndRedirect(context, user, to);
  const cookie = await pendingSignIn.start({ userId: user.id, next: to });
  return redirect(TWO_FACTOR_STEP, { status: 303, headers: { "Set-Cookie": cookie } });
}

/** The second factor was accepted: the session starts and the pending step ends. */
export async function finishSignIn(context: Readonly<RouterContextProvider>, user: User, to: string): Promise<Response> {
  const response = await signInAndRedirect(context, user, to);
  response.headers.append("Set-Cookie", await context.get(requestContext).pendingSignIn.clear());
  return response;
}

/** Forgets this device's session (already gone with its account, or to end) and redirects (303) with the cookie cleared. */
export async function endSessionAndRedirect(context: Readonly<RouterContextProvider>, to: string): Promise<Response> {
  const { session } = await viewerOf(context);
  const cookie = await context.get(requestContext).sessions.destroySession(session);
  return redirect(to, { status: 303, headers: { "Set-Cookie": cookie } });
}

/** Ends this device's session and redirects (303) with the cookie cleared. */
export async function signOutAndRedirect(context: Readonly<RouterContextProvider>, to: string): Promise<Response> {
  const { sessions, services, client, visitorId } = context.get(requestContext);
  const { session, user } = await viewerOf(context);
  const cookie = await sessions.destroySession(session);
  if (user) {
    await services.accounts.recordLogout(user, client);
    await services.sessionEvents.announce({ visitorId }, "signed-out");
  }
  return redirect(to, { status: 303, headers: { "Set-Cookie": cookie } });
}
