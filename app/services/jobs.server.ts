import type { Kysely } from "kysely";
import type { Database } from "#app/models/database.server.ts";
import { AppError } from "#app/models/errors.ts";
import { createJobRepository } from "#app/models/job-repository.server.ts";
import type { TroubledJob } from "#app/models/job.ts";
import { hasRole, type User } from "#app/models/user.ts";

/** What admins see of the background jobs: those retrying after a failure and those given up on. */
export function createJobsService(db: Kysely<Database>) {
  return {
    async troubled(actor: User): Promise<TroubledJob[]> {
      if (!hasRole(actor, "admin")) throw new AppError("auth:forbidden");
      return createJobRepository(db).troubled(100);
    },
  };
}
