import type { Kysely } from "kysely";
import { createAuditRepository } from "#app/models/audit-repository.server.ts";
import type { ClientInfo } from "#app/models/client-info.ts";
import type { Database } from "#app/models/database.server.ts";
import { AppError } from "#app/models/errors.ts";
import { createUserRepository } from "#app/models/user-repository.server.ts";
import { canChangeRole, hasRole, roleChanges, type RoleChange, type User, type UserId } from "#app/models/user.ts";

/** What admins do: find accounts, make members moderators (and moderators members again), read recent account activity. */
export function createAdminService(db: Kysely<Database>) {
  const users = createUserRepository(db);

  function assertAdmin(actor: User): void {
    if (!hasRole(actor, "admin")) throw new AppError("auth:forbidden");
  }

  return {
    async listUsers(actor: User, query: string | undefined): Promise<User[]> {
      assertAdmin(actor);
      return users.list({ query, limit: 50 });
    },

    /** Promote (member → moderator) or demote (moderator → member). Throws `account:not_found`, `auth:forbidden`, or `account:role_conflict` (also when another admin decided first). */
    async changeRole(actor: User, targetId: UserId, change: RoleChange, client: ClientInfo): Promise<User> {
      assertAdmin(actor);
      const target = await users.findById(targetId);
      if (!target) throw new AppError("account:not_found");
      if (!canChangeRole(actor, target, change)) throw new AppError("account:role_conflict");
      const { from, to } = roleChanges[change];
      return db.transaction().execute(async (trx) => {
        const changed = await createUserRepository(trx).changeRole(target.id, from, to);
        if (!changed) throw new AppError("account:role_conflict");
        await createAuditRepository(trx).record({
          actorId: actor.id,
          action: "auth.role_changed",
          client,
          resource: { type: "user", id: target.id },
          metadata: { userId: target.id, username: target.username, from, to },
        });
        return changed;
      });
    },
  };
}

export type AdminService = ReturnType<typeof createAdminService>;
