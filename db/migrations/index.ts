import type { Migration } from "kysely";
import * as auditLog from "./0001_audit_log.ts";
import * as accounts from "./0002_accounts.ts";
import * as loginThrottle from "./0003_login_throttle.ts";
import * as chat from "./0004_chat.ts";
import * as actionLogs from "./0005_action_logs.ts";

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
};
