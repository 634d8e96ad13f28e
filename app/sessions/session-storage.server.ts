import { createCookie, createSession, createSessionStorage, type Session, type SessionStorage } from "react-router";
import type { SessionData, SessionMeta, SessionRepository } from "#app/models/session-repository.server.ts";

/**
 * Durable sessions: React Router's createSessionStorage over the sessions table, behind a signed
 * cookie that holds only the session id. Secrets rotate: the first signs, all verify.
 */
export interface SessionStorageOptions {
  readonly secrets: readonly string[];
  /** Production: Secure and the `__Host-` prefix (HTTPS only, no Domain, path /). */
  readonly secure: boolean;
  readonly absoluteLifetimeSecs: number;
}

export interface DurableSessionStorage {
  /** The live session of this cookie, or a new empty one if the cookie is missing, forged or expired. */
  getSession(cookieHeader: string | null): Promise<Session<SessionData>>;
  /** A brand-new session (new id, new row) for a sign-in: ids never carry over (no fixation). */
  startSession(data: SessionData, meta: SessionMeta): Promise<string>;
  /** Removes a one-time entry of the session's data; true only for the one request that removed it. */
  takeFlash(session: Session<SessionData>, key: string): Promise<boolean>;
  /** Deletes the row; returns the Set-Cookie value that clears the cookie. */
  destroySession: SessionStorage<SessionData>["destroySession"];
  /** Whether cookies are Secure and `__Host-` prefixed (production): other edge cookies follow suit. */
  readonly secure: boolean;
}

export function createDurableSessionStorage(
  repository: SessionRepository,
  options: SessionStorageOptions,
): DurableSessionStorage {
  const cookie = createCookie(options.secure ? "__Host-glassbox_session" : "glassbox_session", {
    httpOnly: true,
    sameSite: "lax",
    secure: options.secure,
    path: "/",
    maxAge: options.absoluteLifetimeSecs,
    secrets: [...options.secrets],
  });
  // React Router's storage ends sessions (destroySession). Ids are minted only by startSession,
  // with the device recorded, and reads go through getSession, which never revives a dead id;
  // createData, readData and updateData complete the interface on the same repository.
  const storage = createSessionStorage<SessionData>({
    cookie,
    createData: (data) => repository.create(data, {}),
    readData: async (id) => (await repository.readAndTouch(id)) ?? null,
    updateData: (id, data) => repository.update(id, data),
    deleteData: (id) => repository.delete(id),
  });
  return {
    async getSession(cookieHeader) {
      // cookie.parse verifies the signature against every secret: a forged cookie reads as null.
      const id: unknown = cookieHeader ? await cookie.parse(cookieHeader) : null;
      const data = typeof id === "string" ? await repository.readAndTouch(id) : undefined;
      // An id whose row is gone (expired, revoked, purged) is never written again: start afresh.
      return data && typeof id === "string" ? createSession(data, id) : createSession<SessionData>();
    },
    async startSession(data, meta) {
      const id = await repository.create(data, meta);
      return cookie.serialize(id);
    },
    takeFlash: (session, key) =>
      session.id && session.has(key) ? repository.takeFlash(session.id, key) : Promise.resolve(false),
    destroySession: storage.destroySession,
    secure: options.secure,
  };
}
