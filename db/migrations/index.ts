import type { Migration } from "kysely";
import * as auditLog from "./0001_audit_log.ts";
import * as accounts from "./0002_accounts.ts";
import * as loginThrottle from "./0003_login_throttle.ts";
import * as chat from "./0004_chat.ts";
import * as actionLogs from "./0005_action_logs.ts";
import * as devMailbox from "./0006_dev_mailbox.ts";
import * as twoFactor from "./0007_two_factor.ts";
import * as oauthConnections from "./0008_oauth_connections.ts";
import * as posts from "./0009_posts.ts";
import * as rateLimits from "./0010_rate_limits.ts";
import * as accountRecovery from "./0011_account_recovery.ts";
import * as labAcrossInstances from "./0012_lab_across_instances.ts";

/**
 * Every migration, in order. Listed here rather than read from disk so the bundled server carries
 * them (Node 20 cannot import .ts files at run time); a unit test checks nothing is left out.
 */
export const migrations: Record<string, Migration> = {
  "0001_audit_log": auditLog,
  "0002_accounts": accounts,
  "0003_login_throttle": loginThrottle,
  "0004_chat": chat,
  "0005_action_logs": actionLogs,
  "0006_dev_mailbox": devMailbox,
  "0007_two_factor": twoFactor,
  "0008_oauth_connections": oauthConnections,
  "0009_posts": posts,
  "0010_rate_limits": rateLimits,
  "0011_account_recovery": accountRecovery,
  "0012_lab_across_instances": labAcrossInstances,
};
