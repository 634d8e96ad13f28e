import type { Kysely } from "kysely";
import type { Database } from "#app/models/database.server.ts";
import { databaseAnswers } from "#app/models/database-probe.server.ts";

export type Readiness = { ready: true } | { ready: false; reason: "database unavailable" };

/** Readiness for load balancers: ready while the database answers within two seconds. */
export function createHealthService(db: Kysely<Database>) {
  return {
    async readiness(): Promise<Readiness> {
      return (await databaseAnswers(db, 2_000)) ? { ready: true } : { ready: false, reason: "database unavailable" };
    },
  };
}

export type HealthService = ReturnType<typeof createHealthService>;
