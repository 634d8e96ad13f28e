import type { Session } from "react-router";
import type { SessionData } from "#app/models/session-repository.server.ts";
import { userIdSchema, type User } from "#app/models/user.ts";
import type { AccountsService } from "#app/services/accounts.server.ts";
import type { DurableSessionStorage } from "./session-storage.server.ts";

/** Who is asking: the request's session (empty for guests) and its signed-in user, if any. */
export interface Viewer {
  readonly session: Session<SessionData>;
  readonly user: User | null;
}

/** Reads the cookie's session (touching it: sliding expiry) and loads its user. */
export async function loadViewer(
  storage: DurableSessionStorage,
  accounts: AccountsService,
  cookieHeader: string | null,
): Promise<Viewer> {
  const session = await storage.getSession(cookieHeader);
  const userId = userIdSchema.safeParse(session.get("userId"));
  const user = userId.success ? await accounts.findUser(userId.data) : undefined;
  return { session, user: user ?? null };
}
