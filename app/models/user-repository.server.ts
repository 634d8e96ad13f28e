import { sql, type Kysely, type Selectable } from "kysely";
import type { Database, UsersTable } from "./database.server.ts";
import type { DisplayName, Email, Role, User, UserId, Username } from "./user.ts";

/** User rows. What leaves is a `User`; the password hash only leaves through `findCredentials`. */
/**
 * `passwordHash` is null for an account created through GitHub or Google: no password can sign in
 * to it. A registration waits for its confirmation link (`pending`); an account from a provider
 * that vouches for the address is verified from the start.
 */
export type NewUser = {
  readonly username: Username;
  readonly email: Email;
  readonly passwordHash: string | null;
  readonly role: Role;
  readonly pending?: boolean;
  readonly emailVerified?: boolean;
};
export type CreateUserResult =
  { readonly ok: true; readonly user: User } | { readonly ok: false; readonly taken: "username" | "email" };

const columns = ["id", "username", "email", "role", "created_at", "email_verified_at", "display_name"] as const;

function toUser(row: Pick<Selectable<UsersTable>, (typeof columns)[number]>): User {
  // The database enforces the same rules the schemas do (unique, lowercase on the way in, role check).
  return {
    id: row.id as UserId,
    username: row.username as Username,
    email: row.email as Email,
    role: row.role,
    createdAt: row.created_at,
    emailVerifiedAt: row.email_verified_at,
    displayName: row.display_name as DisplayName | null,
  };
}

const NIL_UUID = "00000000-0000-0000-0000-000000000000";

export function createUserRepository(db: Kysely<Database>) {
  return {
    /** Inserts the user, or reports which unique field is taken (also when a concurrent insert won). */
    async create(user: NewUser): Promise<CreateUserResult> {
      const row = await db
        .insertInto("users")
        .values({
          username: user.username,
          email: user.email,
          password_hash: user.passwordHash,
          role: user.role,
          registration_pending: user.pending ?? false,
          email_verified_at: user.emailVerified ? sql<Date>`now()` : null,
        })
        .onConflict((oc) => oc.doNothing())
        .returning(columns)
        .executeTakeFirst();
      if (row) return { ok: true, user: toUser(row) };
      const clash = await db
        .selectFrom("users")
        .select("username")
        .where("username", "=", user.username)
        .executeTakeFirst();
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

    /** `pending`: a registration whose confirmation link was not followed yet (it cannot sign in). */
    async findCredentials(
      email: Email,
    ): Promise<{ user: User; passwordHash: string | null; pending: boolean } | undefined> {
      const row = await db
        .selectFrom("users")
        .select([...columns, "password_hash", "registration_pending"])
        .where("email", "=", email)
        .executeTakeFirst();
      return row && { user: toUser(row), passwordHash: row.password_hash, pending: row.registration_pending };
    },

    /** The account with this email, only if it is `id`'s own (the lab's database check; guests pass null). */
    async findOwnByEmail(email: Email, id: UserId | null): Promise<User | undefined> {
      // The same statement for a guest (no id matches the nil UUID): the answer's timing says nothing either.
      const row = await db
        .selectFrom("users")
        .select(columns)
        .where("email", "=", email)
        .where("id", "=", id ?? NIL_UUID)
        .executeTakeFirst();
      return row && toUser(row);
    },

    /** Deletes a registration with this address that was never confirmed, so a new one can take the address; how many went. */
    async removePendingRegistration(email: Email): Promise<number> {
      const result = await db
        .deleteFrom("users")
        .where("email", "=", email)
        .where("registration_pending", "=", true)
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },

    /** Marks `email` proven for the account, if it is still the account's address (a registration is then confirmed). */
    async markEmailVerified(id: UserId, email: Email): Promise<{ user: User; wasPending: boolean } | undefined> {
      const before = await db
        .selectFrom("users")
        .select("registration_pending")
        .where("id", "=", id)
        .where("email", "=", email)
        .forUpdate()
        .executeTakeFirst();
      if (!before) return undefined;
      const row = await db
        .updateTable("users")
        .set({ email_verified_at: sql<Date>`coalesce(email_verified_at, now())`, registration_pending: false })
        .where("id", "=", id)
        .returning(columns)
        .executeTakeFirstOrThrow();
      return { user: toUser(row), wasPending: before.registration_pending };
    },

    /** Moves the account to a new, proven address; "taken" when another account has it meanwhile. */
    async changeEmail(id: UserId, email: Email): Promise<User | "taken" | undefined> {
      const row = await db
        .updateTable("users")
        .set({ email, email_verified_at: sql<Date>`now()` })
        .where("id", "=", id)
        .where(({ not, exists, selectFrom }) =>
          not(
            exists(
              selectFrom("users as other")
                .select("other.id")
                .where("other.email", "=", email)
                .where("other.id", "!=", id),
            ),
          ),
        )
        .returning(columns)
        .executeTakeFirst();
      if (row) return toUser(row);
      return (await db.selectFrom("users").select("id").where("id", "=", id).executeTakeFirst()) ? "taken" : undefined;
    },

    async setDisplayName(id: UserId, displayName: DisplayName | null): Promise<User | undefined> {
      const row = await db
        .updateTable("users")
        .set({ display_name: displayName })
        .where("id", "=", id)
        .returning(columns)
        .executeTakeFirst();
      return row && toUser(row);
    },

    /** Deletes the account; sessions, connections, two-factor and links go with it (foreign keys), the action log stays. */
    async remove(id: UserId): Promise<boolean> {
      const result = await db.deleteFrom("users").where("id", "=", id).executeTakeFirst();
      return result.numDeletedRows > 0n;
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
      const row = await db
        .updateTable("users")
        .set({ role: to })
        .where("id", "=", id)
        .where("role", "=", from)
        .returning(columns)
        .executeTakeFirst();
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
