import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { test as base, type BrowserContext, type Cookie, type Page } from "@playwright/test";
import { Kysely, PostgresDialect } from "kysely";
import pg from "pg";
import type { Database } from "#app/models/database.server.ts";
import { createSessionRepository, defaultLifetimes } from "#app/models/session-repository.server.ts";
import { createUserRepository } from "#app/models/user-repository.server.ts";
import { emailSchema, passwordSchema, usernameSchema, type Role } from "#app/models/user.ts";
import { createPasswordHasher } from "#app/services/password-hashing.server.ts";
import { createDurableSessionStorage } from "#app/sessions/session-storage.server.ts";
import { E2E_DATA_DIR, E2E_SESSION_SECRET } from "./server-env.ts";
import { newAccount, type Account } from "./support.ts";

/**
 * Signed-in members without the sign-up forms: the app's own repositories create a confirmed
 * account and its session in the e2e server's database, and the browser gets the session's cookie,
 * signed by the app's own session storage with the server's secret. The form journeys (register,
 * confirm, sign in, sign out) are tested in accounts.spec.ts; every other spec starts from here.
 */
export interface Members {
  /** A new confirmed account (`role`, member by default) with a live session; its cookie is not set anywhere yet. */
  create(prefix: string, options?: { role?: Role }): Promise<{ account: Account; cookie: Cookie }>;
  /** A new confirmed account, signed in on `target`'s browser context (and its `request`). */
  signIn(target: Page | BrowserContext, prefix: string, options?: { role?: Role }): Promise<Account>;
}

/** Every account made here has this password: it is hashed (argon2) once per worker, not per account. */
const PASSWORD = "correct horse battery staple, e2e";

/** The e2e server's embedded cluster: its port is in postmaster.pid (4th line), its credentials beside it. */
async function openServerDatabase(): Promise<Kysely<Database>> {
  const pid = await readFile(join(E2E_DATA_DIR, "postgres", "postmaster.pid"), "utf8");
  const port = Number(pid.split("\n")[3]);
  const { user, password } = JSON.parse(await readFile(join(E2E_DATA_DIR, "postgres-credentials.json"), "utf8")) as {
    user: string;
    password: string;
  };
  const pool = new pg.Pool({ host: "127.0.0.1", port, user, password, database: "glassbox", max: 2 });
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
}

/** The name and value of a Set-Cookie header, as a cookie for the server's origin. */
function cookieFor(setCookie: string, baseURL: string): Cookie {
  const [pair = ""] = setCookie.split(";");
  const at = pair.indexOf("=");
  return {
    name: pair.slice(0, at),
    value: pair.slice(at + 1),
    domain: new URL(baseURL).hostname,
    path: "/",
    expires: -1,
    httpOnly: true,
    secure: false,
    sameSite: "Lax",
  };
}

export const test = base.extend<{ members: Members }, { serverDatabase: Kysely<Database>; passwordHash: string }>({
  serverDatabase: [
    // eslint-disable-next-line no-empty-pattern -- Playwright reads a fixture's dependencies from this pattern
    async ({}, provide) => {
      const db = await openServerDatabase();
      await provide(db);
      await db.destroy();
    },
    { scope: "worker" },
  ],
  passwordHash: [
    // eslint-disable-next-line no-empty-pattern
    async ({}, provide) => provide(await createPasswordHasher().hash(passwordSchema.parse(PASSWORD))),
    { scope: "worker" },
  ],
  members: async ({ serverDatabase, passwordHash, baseURL }, provide) => {
    if (!baseURL) throw new Error("the project has no baseURL");
    const users = createUserRepository(serverDatabase);
    const sessions = createDurableSessionStorage(createSessionRepository(serverDatabase), {
      secrets: [E2E_SESSION_SECRET],
      secure: false,
      absoluteLifetimeSecs: defaultLifetimes.absoluteMs / 1000,
    });
    const create: Members["create"] = async (prefix, { role = "member" } = {}) => {
      const account = { ...newAccount(prefix), password: PASSWORD };
      const created = await users.create({
        username: usernameSchema.parse(account.username),
        email: emailSchema.parse(account.email),
        passwordHash,
        role,
        emailVerified: true,
      });
      if (!created.ok) throw new Error(`${account.username}: the ${created.taken} is taken`);
      const setCookie = await sessions.startSession(
        { userId: created.user.id },
        { userId: created.user.id, ip: "127.0.0.1", userAgent: "Playwright (tests/e2e/members.ts)" },
      );
      return { account, cookie: cookieFor(setCookie, baseURL) };
    };
    await provide({
      create,
      async signIn(target, prefix, options) {
        const { account, cookie } = await create(prefix, options);
        await ("context" in target ? target.context() : target).addCookies([cookie]);
        return account;
      },
    });
  },
});
