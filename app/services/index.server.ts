import type { Kysely } from "kysely";
import type pg from "pg";
import type { Logger } from "pino";
import { createChatRepository } from "#app/models/chat-repository.server.ts";
import type { Database } from "#app/models/database.server.ts";
import type { InstanceId } from "#app/models/lab-relay.ts";
import { createLabRelayRepository } from "#app/models/lab-repository.server.ts";
import { createLoginThrottle } from "#app/models/login-throttle.server.ts";
import { createSignupThrottle, type SignupLimit } from "#app/models/signup-throttle.server.ts";
import type { MailDelivery } from "#app/models/mail.ts";
import type { OAuthSettings } from "#app/models/oauth.ts";
import { createRecoveryThrottle } from "#app/models/recovery-throttle.server.ts";
import { createAccountsService } from "./accounts.server.ts";
import { createRecoveryService } from "./account-recovery.server.ts";
import { createActionLogHub, createActionLogService } from "./action-logs.server.ts";
import { createAdminService } from "./admin.server.ts";
import { createChatService } from "./chat.server.ts";
import { createContentService } from "./content.server.ts";
import { createHealthService } from "./health.server.ts";
import { createJobsService } from "./jobs.server.ts";
import { createLabService } from "./lab.server.ts";
import { createLabRelay } from "./lab-relay.server.ts";
import { createMailOutbox, createMailService } from "./mail.server.ts";
import { createOAuthService } from "./oauth.server.ts";
import { createPasswordHasher } from "./password-hashing.server.ts";
import { createPostsService } from "./posts.server.ts";
import type { ChangeFeed } from "#app/models/live-feed.ts";
import { createRealtimeHub } from "./realtime.server.ts";
import { createSiteMapService } from "./site-map.server.ts";
import { createSessionEvents } from "./session-events.server.ts";
import { createStreamBudget } from "./stream-budget.server.ts";
import { createStreamQuota, type StreamCaps } from "./stream-quota.server.ts";
import { traced, type Tracer } from "./trace.server.ts";
import { createTwoFactorService } from "./two-factor.server.ts";

export interface ServiceDeps {
  readonly db: Kysely<Database>;
  /** DATABASE_READ_URL's Kysely (`db` when unset): only reads that tolerate replica lag (docs/decisions/0015). */
  readonly readDb: Kysely<Database>;
  /** The pool behind `db`, for libraries that speak pg directly (rate-limiter-flexible). */
  readonly pool: pg.Pool;
  readonly adminEmails: readonly string[];
  /** GITHUB_*, GOOGLE_*: a provider left out is off. */
  readonly oauth: OAuthSettings;
  /** Where links in mail lead: PUBLIC_URL, else the address this server listens on. */
  readonly publicOrigin: () => string;
  /** Change notices from every instance (LISTEN/NOTIFY): they drive the realtime hub. */
  readonly changes: ChangeFeed;
  /** New action log entries from every instance (LISTEN/NOTIFY): they drive the action-log stream. */
  readonly actionLogChanges: ChangeFeed;
  /** Sign-ins, sign-outs and revocations from every instance (LISTEN/NOTIFY): the `session` live event. */
  readonly sessionChanges: ChangeFeed;
  /** The trace pipeline: use cases are recorded as service steps, the hub streams traces to the lab. */
  readonly tracer: Tracer;
  /** This process among the instances on the database (docs/decisions/0024), and what is addressed to it. */
  readonly instance: InstanceId;
  readonly labInstanceChanges: ChangeFeed;
  /** Lab streams opening and closing, and cancels, on every instance (`lab_tabs`). */
  readonly labTabChanges: ChangeFeed;
  readonly logger: Logger;
  /** Mail: where it goes (SMTP_URL, the development mailbox), MAIL_FROM, MAIL_MAX_ATTEMPTS. */
  readonly mail: MailSettings;
  /** STREAMS_PER_VISITOR / STREAMS_PER_ADDRESS: open event streams one client may hold; STREAM_BUFFER_MB: what all of them may hold unsent. */
  readonly streamCaps: StreamCaps;
  /** SIGNUPS_PER_ADDRESS_PER_HOUR. */
  readonly signupLimit: SignupLimit;
}

export interface MailSettings {
  readonly delivery: MailDelivery;
  readonly from: string;
  readonly maxAttempts: number;
}

/** Every use case the routes may call, built once per process by the composition root. */
export function createServices(deps: ServiceDeps) {
  const {
    db,
    readDb,
    pool,
    adminEmails,
    changes,
    actionLogChanges,
    sessionChanges,
    tracer,
    logger,
    mail,
    streamCaps,
    signupLimit,
    publicOrigin,
  } = deps;
  const content = createContentService();
  const posts = traced(tracer, "posts", createPostsService({ db, readDb }));
  const { instance, labTabChanges } = deps;
  const streamBudget = createStreamBudget({ maxBytes: streamCaps.bufferBytes, log: logger });
  const labRelay = createLabRelay({
    repository: createLabRelayRepository(pool),
    instance,
    instanceFeed: deps.labInstanceChanges,
    tabsFeed: labTabChanges,
    tracer,
    toTab: (tab, next) => realtime.toTab(tab, next),
    log: logger,
  });
  const realtime = createRealtimeHub({
    chat: createChatRepository(db),
    feed: changes,
    tracer,
    log: logger,
    presence: labRelay,
    budget: streamBudget,
  });
  const hasher = createPasswordHasher();
  const outbox = createMailOutbox(mail);
  const twoFactor = traced(tracer, "twoFactor", createTwoFactorService({ db, pool }));
  const accounts = traced(
    tracer,
    "accounts",
    createAccountsService({
      db,
      hasher,
      throttle: createLoginThrottle(pool),
      signups: createSignupThrottle(pool, signupLimit),
      adminEmails: new Set(adminEmails),
      outbox,
      origin: publicOrigin,
      secondFactor: twoFactor,
    }),
  );
  return {
    accounts,
    recovery: traced(
      tracer,
      "recovery",
      createRecoveryService({
        db,
        hasher,
        throttle: createRecoveryThrottle(pool),
        outbox,
        origin: publicOrigin,
        accounts,
        jobAttempts: mail.maxAttempts,
      }),
    ),
    oauth: traced(tracer, "oauth", createOAuthService({ db, providers: deps.oauth, accounts })),
    sessionEvents: createSessionEvents({ db, feed: sessionChanges, realtime }),
    actionLogs: traced(tracer, "actionLogs", createActionLogService(db)),
    actionLogStream: createActionLogHub({ db, feed: actionLogChanges, log: logger, budget: streamBudget }),
    admin: traced(tracer, "admin", createAdminService(db)),
    chat: traced(tracer, "chat", createChatService({ db, pool, tracer })),
    content,
    health: traced(tracer, "health", createHealthService(db)),
    posts,
    siteMap: traced(tracer, "siteMap", createSiteMapService({ content, posts })),
    twoFactor,
    jobs: traced(tracer, "jobs", createJobsService(db)),
    mail: traced(tracer, "mail", createMailService({ db, ...mail })),
    lab: traced(tracer, "lab", createLabService({ db, pool, realtime, instance, tabsFeed: labTabChanges })),
    labRelay,
    realtime,
    streamQuota: createStreamQuota(streamCaps),
    streamBudget,
    trace: tracer,
  };
}

export type Services = ReturnType<typeof createServices>;
