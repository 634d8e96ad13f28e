import type { Kysely } from "kysely";
import type { Database } from "../models/database.ts";
import { AppError } from "../models/errors.ts";
import { createJobRepository } from "../models/job-repository.ts";
import type { TroubledJob } from "../models/job.ts";
import { hasRole, type User } from "../models/user.ts";

/** What admins see of the background jobs: those retrying after a failure and those given up on. */
export function createJobsService(db: Kysely<Database>) {
  return {
    async troubled(actor: User): Promise<TroubledJob[]> {
      if (!hasRole(actor, "admin")) throw new AppError("auth:forbidden");
      return createJobRepository(db).troubled(100);
    },
  };
}
