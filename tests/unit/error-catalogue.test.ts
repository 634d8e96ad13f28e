import { describe, expect, it } from "vitest";
import { AppError, describeWait, errorCatalogue, problemOf } from "../../app/models/errors.ts";

describe("error catalogue", () => {
  it("names every code area:reason and gives it a 4xx status (502 only for a third party that failed)", () => {
    for (const [code, entry] of Object.entries(errorCatalogue)) {
      expect(code).toMatch(/^[a-z]+:[a-z_]+$/);
      if (code === "oauth:provider_unavailable") expect(entry.status).toBe(502);
      else expect([entry.status >= 400, entry.status < 500]).toEqual([true, true]);
    }
  });

  it("turns an error into the {status, code, message} problem, with the wait for 429s", () => {
    expect(problemOf(new AppError("auth:invalid_credentials"))).toEqual({ status: 401, code: "auth:invalid_credentials", message: "Invalid email or password" });
    const throttled = new AppError("auth:throttled", 840);
    expect(throttled.message).toBe("Too many sign-in attempts. Try again in 14 minutes.");
    expect(throttled.retryAfterSecs).toBe(840);
  });

  it("describes waits as a person would say them", () => {
    expect(describeWait(1)).toBe("1 second");
    expect(describeWait(45)).toBe("45 seconds");
    expect(describeWait(60)).toBe("1 minute");
    expect(describeWait(61)).toBe("2 minutes");
  });
});
