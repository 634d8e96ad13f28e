import { isIP } from "node:net";
import type { Request } from "express";

/**
 * The client's address as sessions, the audit log and the sign-in throttle record it. `req.ip`
 * follows TRUST_PROXY, so with a trusted proxy it is whatever the client put in X-Forwarded-For:
 * anything that is not an IP address is replaced by the connection's own peer.
 */
export function clientAddress(req: Pick<Request, "ip" | "socket">): string {
  if (req.ip && isIP(req.ip)) return req.ip;
  return req.socket.remoteAddress ?? "unknown";
}
