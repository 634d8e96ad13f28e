import { z } from "zod";
import { messageBodySchema } from "./chat.ts";
import type { TraceEvent } from "./trace.ts";
import { emailSchema, usernameSchema, type Role, type Username } from "./user.ts";

/** The lab's widgets and their rules: pure, shared by the server and the browser. */

/** Which domain validator the boundary check runs the input through. */
export const boundaryRules = {
  username: usernameSchema,
  email: emailSchema,
  message: messageBodySchema,
} as const;
export type BoundaryRule = keyof typeof boundaryRules;
export const boundaryRuleSchema = z.enum(Object.keys(boundaryRules) as [BoundaryRule, ...BoundaryRule[]]);

export type BoundaryResult =
  | { readonly rule: BoundaryRule; readonly ok: true; readonly value: string }
  | { readonly rule: BoundaryRule; readonly ok: false; readonly error: string };

export function checkBoundary(rule: BoundaryRule, input: string): BoundaryResult {
  const parsed = boundaryRules[rule].safeParse(input);
  return parsed.success
    ? { rule, ok: true, value: String(parsed.data) }
    : { rule, ok: false, error: parsed.error.issues[0]?.message ?? "Not valid" };
}

/** The request burst: a slider of 100–5000 in steps of 100, 24 workers, progress every 20. */
export const BURST = { min: 100, max: 5000, step: 100, default: 1000, workers: 24, progressEvery: 20 } as const;
export const burstSizeSchema = z.preprocess(
  // An empty field is no choice at all, not zero.
  (value) => (value === "" ? undefined : value),
  z.coerce
    .number({ error: "Choose how many requests to send" })
    .int()
    .min(BURST.min, `Send at least ${BURST.min}`)
    .max(BURST.max, `Send at most ${BURST.max}`)
    .refine((size) => size % BURST.step === 0, `Choose a multiple of ${BURST.step}`),
);

export interface BurstProgress {
  readonly sent: number;
  readonly total: number;
  readonly ok: number;
  readonly failed: number;
  readonly elapsedMs: number;
}

export const requestsPerSecond = ({ sent, elapsedMs }: Pick<BurstProgress, "sent" | "elapsedMs">): number =>
  elapsedMs > 0 ? Math.round((sent * 1000) / elapsedMs) : 0;

/** "sent/total | ok | failed | req/s", as the burst reports its progress. */
export const describeProgress = (progress: BurstProgress): string =>
  `${progress.sent}/${progress.total} | ${progress.ok} ok | ${progress.failed} failed | ${requestsPerSecond(progress)} req/s`;

/**
 * Sends `total` probes through `workers` concurrent loops; `probe` says whether one succeeded (it
 * must not throw). Reports progress every `progressEvery` finished probes, and at the end.
 */
export async function runBurst(
  total: number,
  probe: () => Promise<boolean>,
  onProgress: (progress: BurstProgress) => void,
  now: () => number = () => performance.now(),
): Promise<BurstProgress> {
  const started = now();
  let next = 0;
  let ok = 0;
  let failed = 0;
  const snapshot = (): BurstProgress => ({ sent: ok + failed, total, ok, failed, elapsedMs: now() - started });
  const worker = async () => {
    while (next < total) {
      next += 1;
      if (await probe()) ok += 1;
      else failed += 1;
      if ((ok + failed) % BURST.progressEvery === 0) onProgress(snapshot());
    }
  };
  await Promise.all(Array.from({ length: Math.min(BURST.workers, total) }, worker));
  const summary = snapshot();
  onProgress(summary);
  return summary;
}

/** The command demo's step; the counter itself never goes below zero (`max(0, count + delta)`, in the database: models/lab-repository.server.ts). */
export const counterDeltaSchema = z.coerce.number({ error: "Choose a step" }).int().min(-100).max(100);

/** What the lab's widgets answer (the service computes them, the lab page renders them). */
export type AuthStatus =
  { readonly signedIn: false } | { readonly signedIn: true; readonly username: Username; readonly role: Role };

/** The database check finds only the viewer's own account: a lookup of anyone else's address says nothing about it. */
export type AccountLookup =
  | { readonly found: false }
  | { readonly found: true; readonly username: string; readonly role: Role; readonly memberSince: string };

export type CommandEvent =
  | { readonly type: "count"; readonly count: number }
  | { readonly type: "guarded"; readonly state: "queued" | "running" | "done"; readonly count: number }
  | { readonly type: "cancelable"; readonly state: "started" | "cancelled" | "done" };

export type SessionDetails =
  | { readonly signedIn: false }
  | {
      readonly signedIn: true;
      readonly handle: string;
      readonly createdAt: string;
      readonly lastSeenAt: string;
      readonly expiresAt: string;
      readonly userAgent: string | null;
      readonly ip: string | null;
    };

/** What a lab widget's request answers: its result (or error) and the trace of that very request. */
export type LabResult =
  | { readonly widget: "auth-status"; readonly status: AuthStatus }
  | { readonly widget: "session-details"; readonly details: SessionDetails }
  | { readonly widget: "boundary-check"; readonly result: BoundaryResult }
  | { readonly widget: "database-check"; readonly lookup: AccountLookup }
  | { readonly widget: "burst"; readonly summary: BurstProgress }
  | { readonly widget: "command"; readonly count: number; readonly note: string };
export type LabWidget = LabResult["widget"];

/** A widget's answer as the page gets it: the result or the error, and the trace of its own request. */
export type LabOutcome = (LabResult | { readonly widget: LabWidget; readonly error: string }) & {
  readonly trace: readonly TraceEvent[];
};
