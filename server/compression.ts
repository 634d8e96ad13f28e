import compressionMiddleware from "compression";
import type { Request, RequestHandler, Response } from "express";

/** Event streams must reach the client frame by frame, so they are never compressed. */
export function shouldCompress(req: Request, res: Response): boolean {
  const type = String(res.getHeader("Content-Type") ?? "");
  return !type.startsWith("text/event-stream") && compressionMiddleware.filter(req, res);
}

export const compression: RequestHandler = compressionMiddleware({ filter: shouldCompress });
