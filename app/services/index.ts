import type { Kysely } from "kysely";
import type pg from "pg";
import type { Database } from "../models/database.ts";
import { createLoginThrottle } from "../models/login-throttle.ts";
import { createAccountsService } from "./accounts.ts";
import { createAdminService } from "./admin.ts";
import { createContentService } from "./content.ts";
import { createHealthService } from "./health.ts";
import { createMaintenanceService } from "./maintenance.ts";
import { createPasswordHasher } from "./password-hashing.ts";

export interface ServiceDeps {
  readonly db: Kysely<Database>;
  /** The pool behind `db`, for libraries that speak pg directly (rate-limiter-flexible). */
  readonly pool: pg.Pool;
  readonly adminEmails: readonly string[];
}

/** Every use case the routes may call, built once per process by the composition root. */
export function createServices({ db, pool, adminEmails }: ServiceDeps) {
  return {
    accounts: createAccountsService({
      db,
      hasher: createPasswordHasher(),
      throttle: createLoginThrottle(pool),
      adminEmails: new Set(adminEmails),
    }),
    admin: createAdminService(db),
    content: createContentService(),
    health: createHealthService(db),
    maintenance: createMaintenanceService(db),
  };
}

export type Services = ReturnType<typeof createServices>;
