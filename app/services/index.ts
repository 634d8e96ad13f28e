import type { Kysely } from "kysely";
import type pg from "pg";
import type { Logger } from "pino";
import { createChatRepository } from "../models/chat-repository.ts";
import type { Database } from "../models/database.ts";
import { createLoginThrottle } from "../models/login-throttle.ts";
import { createAccountsService } from "./accounts.ts";
import { createActionLogHub, createActionLogService } from "./action-logs.ts";
import { createAdminService } from "./admin.ts";
import { createChatService } from "./chat.ts";
import { createContentService } from "./content.ts";
import { createHealthService } from "./health.ts";
import { createLabService } from "./lab.ts";
import { createMaintenanceService } from "./maintenance.ts";
import { createPasswordHasher } from "./password-hashing.ts";
import { createRealtimeHub, type ChangeFeed } from "./realtime.ts";
import { traced, type Tracer } from "./trace.ts";

export interface ServiceDeps {
  readonly db: Kysely<Database>;
  /** The pool behind `db`, for libraries that speak pg directly (rate-limiter-flexible). */
  readonly pool: pg.Pool;
  readonly adminEmails: readonly string[];
  /** Change notices from every instance (LISTEN/NOTIFY): they drive the realtime hub. */
  readonly changes: ChangeFeed;
  /** New action log entries from every instance (LISTEN/NOTIFY): they drive the action-log stream. */
  readonly actionLogChanges: ChangeFeed;
  /** The trace pipeline: use cases are recorded as service steps, the hub streams traces to the lab. */
  readonly tracer: Tracer;
  readonly logger: Logger;
}

/** Every use case the routes may call, built once per process by the composition root. */
export function createServices({ db, pool, adminEmails, changes, actionLogChanges, tracer, logger }: ServiceDeps) {
  const realtime = createRealtimeHub({ chat: createChatRepository(db), feed: changes, tracer, log: logger });
  return {
    accounts: traced(
      tracer,
      "accounts",
      createAccountsService({
        db,
        hasher: createPasswordHasher(),
        throttle: createLoginThrottle(pool),
        adminEmails: new Set(adminEmails),
      }),
    ),
    actionLogs: traced(tracer, "actionLogs", createActionLogService(db)),
    actionLogStream: createActionLogHub({ db, feed: actionLogChanges, log: logger }),
    admin: traced(tracer, "admin", createAdminService(db)),
    chat: traced(tracer, "chat", createChatService({ db, pool, tracer })),
    content: createContentService(),
    health: traced(tracer, "health", createHealthService(db)),
    maintenance: createMaintenanceService(db),
    lab: traced(tracer, "lab", createLabService({ db, realtime })),
    realtime,
    trace: tracer,
  };
}

export type Services = ReturnType<typeof createServices>;
