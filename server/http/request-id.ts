import { randomUUID } from "node:crypto";
import type { RequestHandler } from "express";

/** An incoming id is kept when it looks like one (a proxy's or a client's); anything else is replaced. */
const VALID_REQUEST_ID = /^[A-Za-z0-9._:-]{8,128}$/;

export function requestIdFrom(incoming: string | string[] | undefined): string {
  return typeof incoming === "string" && VALID_REQUEST_ID.test(incoming) ? incoming : randomUUID();
}

export const requestId: RequestHandler = (req, res, next) => {
  res.locals.requestId = requestIdFrom(req.headers["x-request-id"]);
  res.setHeader("x-request-id", res.locals.requestId);
  next();
};
