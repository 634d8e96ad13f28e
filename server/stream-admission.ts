import type { Request, Response } from "express";
import { networkOf } from "../app/models/client-info.ts";
import { AppError, problemOf } from "../app/models/errors.ts";
import type { StreamQuota } from "../app/services/stream-quota.ts";
import { clientAddress } from "./client-address.ts";

/**
 * Takes a stream slot for this visitor and client network (docs/decisions/0016), or answers the
 * catalogue 429 with Retry-After and returns undefined. The caller gives the slot back when its
 * stream ends, however it ends.
 */
export function admitStream(quota: StreamQuota, req: Request, res: Response): (() => void) | undefined {
  const admitted = quota.admit(res.locals.visitorId, networkOf(clientAddress(req)));
  if (!(admitted instanceof AppError)) return admitted;
  res
    .status(admitted.status)
    .set({ "Retry-After": String(admitted.retryAfterSecs), "Cache-Control": "no-store" })
    .json(problemOf(admitted));
  return undefined;
}
