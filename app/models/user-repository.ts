import type { Kysely, Selectable } from "kysely";
import type { Database, UsersTable } from "./database.ts";
import type { Email, Role, User, UserId, Username } from "./user.ts";

/** User rows. What leaves is a `User`; the password hash only leaves through `findCredentials`. */
/** `passwordHash` is null for an account created through GitHub: no password can sign in to it. */
export type NewUser = { readonly username: Username; readonly email: Email; readonly passwordHash: string | null; readonly role: Role };
export type CreateUserResult = { readonly ok: true; readonly user: User } | { readonly ok: false; readonly taken: "username" | "email" };

const columns = ["id", "username", "email", "role", "created_at"] as const;

function toUser(row: Pick<Selectable<UsersTable>, (typeof columns)[number]>): User {
  // The database enforces the same rules the schemas do (unique, lowercase on the way in, role check).
  return { id: row.id as UserId, username: row.username as Username, email: row.email as Email, role: row.role, createdAt: row.created_at };
}

export function createUserRepository(db: Kysely<Database>) {
  return {
    /** Inserts the user, or reports which unique field is taken (also when a concurrent insert won). */
    async create(user: NewUser): Promise<CreateUserResult> {
      const row = await db
        .insertInto("users")
        .values({ username: user.username, email: user.email, password_hash: user.passwordHash, role: user.role })
        .onConflict((oc) => oc.doNothing())
        .returning(columns)
        .executeTakeFirst();
      if (row) return { ok: true, user: toUser(row) };
      const clash = await db.selectFrom("users").select("username").where("username", "=", user.username).executeTakeFirst();
      return { ok: false, taken: clash ? "username" : "email" };
    },

    async findById(id: UserId): Promise<User | undefined> {
      const row = await db.selectFrom("users").select(columns).where("id", "=", id).executeTakeFirst();
      return row && toUser(row);
    },

    async findByEmail(email: Email): Promise<User | undefined> {
      const row = await db.selectFrom("users").select(columns).where("email", "=", email).executeTakeFirst();
      return row && toUser(row);
    },

    async findCredentials(email: Email): Promise<{ user: User; passwordHash: string | null } | undefined> {
      const row = await db.selectFrom("users").select([...columns, "password_hash"]).where("email", "=", email).executeTakeFirst();
      return row && { user: toUser(row), passwordHash: row.password_hash };
    },

    async passwordHashOf(id: UserId): Promise<string | undefined> {
      const row = await db.selectFrom("users").select("password_hash").where("id", "=", id).executeTakeFirst();
      return row?.password_hash ?? undefined;
    },

    async setPasswordHash(id: UserId, passwordHash: string): Promise<void> {
      await db.updateTable("users").set({ password_hash: passwordHash }).where("id", "=", id).execute();
    },

    /** Changes the role only if it is still `from`: two admins deciding at once cannot both win. */
    async changeRole(id: UserId, from: Role, to: Role): Promise<User | undefined> {
      const row = await db.updateTable("users").set({ role: to }).where("id", "=", id).where("role", "=", from).returning(columns).executeTakeFirst();
      return row && toUser(row);
    },

    /** Newest first; `query` matches the start of a username or an email. */
    async list({ query, limit }: { query?: string; limit: number }): Promise<User[]> {
      let select = db.selectFrom("users").select(columns).orderBy("created_at", "desc").orderBy("id").limit(limit);
      if (query) {
        const prefix = `${query.replace(/[\\%_]/g, "\\$&")}%`;
        select = select.where((eb) => eb.or([eb("username", "like", prefix), eb("email", "like", prefix)]));
      }
      return (await select.execute()).map(toUser);
    },
  };
}

export type UserRepository = ReturnType<typeof createUserRepository>;
