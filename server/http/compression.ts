import { constants } from "node:zlib";
import compressionMiddleware from "compression";
import type { Request, RequestHandler, Response } from "express";

/** Event streams must reach the client frame by frame, so they are never compressed. */
export function shouldCompress(req: Request, res: Response): boolean {
  const type = String(res.getHeader("Content-Type") ?? "");
  return !type.startsWith("text/event-stream") && compressionMiddleware.filter(req, res);
}

export const compression: RequestHandler = compressionMiddleware({
  filter: shouldCompress,
  // Brotli's default 4 MiB window is allocated per response; pages are tens of kilobytes, and a
  // 256 KiB window compresses them as well at a fraction of the cost (bench/README.md, page throughput).
  brotli: { params: { [constants.BROTLI_PARAM_LGWIN]: 18 } },
});
