import { redirect, type RouterContextProvider } from "react-router";
import { requestContext } from "#app/context.ts";
import type { ClientInfo } from "#app/models/client-info.ts";
import type { User } from "#app/models/user.ts";
import { viewerOf } from "./viewer.server.ts";
import { welcomeData } from "./welcome.server.ts";

/**
 * Signs the user in on this device and redirects (303). The previous session, if any, is deleted
 * and a new id is minted, so an id known before sign-in is worthless after it (no fixation).
 * `welcome` (right after sign-up) makes the next page say welcome, once (./welcome.ts).
 */
export async function signInAndRedirect(
  context: Readonly<RouterContextProvider>,
  user: User,
  to: string,
  { welcome = false } = {},
): Promise<Response> {
  const { sessions, client, devices, knownDevice } = context.get(requestContext);
  const { session: previous } = await viewerOf(context);
  if (previous.id) await sessions.destroySession(previous);
  const data = { userId: user.id, ...(welcome ? welcomeData : {}) };
  const headers = new Headers();
  headers.append(
    "Set-Cookie",
    await sessions.startSession(data, { userId: user.id, ip: client.ip, userAgent: client.userAgent }),
  );
  // This browser is now a device this account has signed in on (its guesses count against itself).
  headers.append("Set-Cookie", await devices.remember(await knownDevice(), user.id));
  announceOnceAnswered(context, "signed-in");
  return redirect(to, { status: 303, headers });
}

/**
 * The visitor's other tabs update their header and lab panels (the `session` live event), once this
 * answer, with the cookie it sets, has gone out: else a tab could reload its data with the old cookie.
 */
function announceOnceAnswered(context: Readonly<RouterContextProvider>, change: "signed-in" | "signed-out"): void {
  const { afterResponse, services, visitorId, log } = context.get(requestContext);
  afterResponse(
    () =>
      void services.sessionEvents
        .announce({ visitorId }, change)
        .catch((error: unknown) => log.warn({ err: error }, "session event not announced")),
  );
}

/** The client as sign-in throttling sees it: with its device cookie, when genuine. */
export async function attemptingClient(context: Readonly<RouterContextProvider>): Promise<ClientInfo> {
  const { client, knownDevice } = context.get(requestContext);
  return { ...client, device: await knownDevice() };
}

/** Where the second sign-in step is asked for. */
export const TWO_FACTOR_STEP = "/login/two-factor";

/**
 * The one decision every sign-in goes through once the first factor (a password, or an OAuth
 * provider) has named the user: with two-factor on, start the short-lived pending step and send
 * them to the code page (no session yet); otherwise sign in now. `to` survives the step.
 */
export async function beginSignIn(
  context: Readonly<RouterContextProvider>,
  user: User,
  to: string,
  options: { welcome?: boolean } = {},
): Promise<Response> {
  const { services, pendingSignIn } = context.get(requestContext);
  if (!(await services.twoFactor.isEnabled(user.id))) return signInAndRedirect(context, user, to, options);
  const cookie = await pendingSignIn.start({ userId: user.id, next: to });
  return redirect(TWO_FACTOR_STEP, { status: 303, headers: { "Set-Cookie": cookie } });
}

/** The second factor was accepted: the session starts and the pending step ends. */
export async function finishSignIn(
  context: Readonly<RouterContextProvider>,
  user: User,
  to: string,
): Promise<Response> {
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
  const { sessions, services, client } = context.get(requestContext);
  const { session, user } = await viewerOf(context);
  const cookie = await sessions.destroySession(session);
  if (user) {
    await services.accounts.recordLogout(user, client);
    announceOnceAnswered(context, "signed-out");
  }
  return redirect(to, { status: 303, headers: { "Set-Cookie": cookie } });
}
