/** Where a request came from, as recorded on sessions and in the audit log. */
export interface ClientInfo {
  /** The client's address (after the proxies Express was told to trust). */
  readonly ip: string;
  readonly userAgent: string | undefined;
  /** Read only where sign-in attempts are counted: the device cookie, when it is genuine. */
  readonly device?: KnownDevice;
}

/** A browser that has signed in before: its device id and the accounts that signed in on it (app/sessions/device-cookie.server.ts). */
export interface KnownDevice {
  readonly id: string;
  readonly userIds: readonly string[];
}

/** The device's id when it has signed in to `userId` before: its attempts then count against the device alone. */
export const trustedDeviceOf = (client: ClientInfo, userId: string | undefined): string | undefined =>
  userId !== undefined && client.device?.userIds.includes(userId) ? client.device.id : undefined;

/**
 * The network a client address stands for when counting per address: an IPv4 address itself, an
 * IPv6 address's /64 (one subscriber's usual allocation, so rotating within it gains nothing).
 */
export function networkOf(ip: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped?.[1]) return mapped[1];
  if (!ip.includes(":")) return ip;
  const [head = "", tail = ""] = ip.toLowerCase().split("%")[0]?.split("::") ?? [];
  const headGroups = head ? head.split(":") : [];
  const tailGroups = ip.includes("::") ? (tail ? tail.split(":") : []) : [];
  const groups = [
    ...headGroups,
    ...Array<string>(Math.max(0, 8 - headGroups.length - tailGroups.length)).fill("0"),
    ...tailGroups,
  ];
  return `${groups
    .slice(0, 4)
    .map((group) => group.replace(/^0+(?=.)/, ""))
    .join(":")}::/64`;
}
