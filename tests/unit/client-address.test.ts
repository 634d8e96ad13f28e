import type { Socket } from "node:net";
import { describe, expect, it } from "vitest";
import { clientAddress } from "#server/http/client-address.ts";

const peer = { remoteAddress: "10.0.0.7" } as Socket;

describe("client address", () => {
  it("takes the address Express resolved when it is an IP address", () => {
    expect(clientAddress({ ip: "203.0.113.9", socket: peer })).toBe("203.0.113.9");
    expect(clientAddress({ ip: "2001:db8::1", socket: peer })).toBe("2001:db8::1");
  });

  it("falls back to the connection's peer for forwarded values that are not addresses", () => {
    for (const forged of ["not-an-ip", "<script>", "1".repeat(4000), ""])
      expect(clientAddress({ ip: forged, socket: peer })).toBe("10.0.0.7");
    expect(clientAddress({ ip: undefined, socket: {} as Socket })).toBe("unknown");
  });
});
