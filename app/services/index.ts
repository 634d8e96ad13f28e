import type { Kysely } from "kysely";
import type { Database } from "../models/database.ts";
import { createContentService } from "./content.ts";
import { createHealthService } from "./health.ts";

/** Every use case the routes may call, built once per process by the composition root. */
export function createServices({ db }: { db: Kysely<Database> }) {
  return {
    content: createContentService(),
    health: createHealthService(db),
  };
}

export type Services = ReturnType<typeof createServices>;
