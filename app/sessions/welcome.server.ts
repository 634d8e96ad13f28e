import type { RouterContextProvider } from "react-router";
import { requestContext } from "#app/context.ts";
import type { SessionData } from "#app/models/session-repository.server.ts";
import { viewerOf } from "./viewer.server.ts";

/**
 * The welcome after sign-up: the new session starts with a one-time flag, and the first page that
 * renders after it (whatever `next` was, with or without JavaScript) takes it and says welcome.
 * A reload, or any later page, does not say it again.
 */
const WELCOME = "welcome";

/** Session data that asks the next page to welcome the new member. */
export const welcomeData: SessionData = { [WELCOME]: true };

/** Whether this page should welcome its viewer: true once per sign-up, for a signed-in viewer. */
export async function takeWelcome(context: Readonly<RouterContextProvider>): Promise<boolean> {
  const { session, user } = await viewerOf(context);
  return user !== null && (await context.get(requestContext).sessions.takeFlash(session, WELCOME));
}
