import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { configVariables } from "#server/config.ts";

/**
 * docker-compose.yml cannot be run here (no Docker daemon): its shape is checked instead. PostgreSQL
 * starts alone; the profile "app" adds the web process and the job worker on that database.
 */
interface Service {
  readonly profiles?: readonly string[];
  readonly command?: readonly string[];
  readonly environment?: Record<string, string>;
  readonly depends_on?: Record<string, { readonly condition: string }>;
  readonly healthcheck?: { readonly disable?: boolean };
}

const compose = parse(readFileSync(new URL("../../docker-compose.yml", import.meta.url), "utf8"), { merge: true }) as {
  services: Record<string, Service>;
};
const { postgres, web, worker } = compose.services;

describe("docker-compose.yml", () => {
  it("starts PostgreSQL without a profile, the web process and the worker under the profile app", () => {
    expect(postgres?.profiles).toBeUndefined();
    expect(web?.profiles).toEqual(["app"]);
    expect(worker?.profiles).toEqual(["app"]);
  });

  it("runs the image's web command and the worker entry, both on the compose PostgreSQL once it is healthy", () => {
    expect(web?.command).toBeUndefined();
    expect(worker?.command).toEqual(["node", "build/worker.js"]);
    const { POSTGRES_USER, POSTGRES_PASSWORD, POSTGRES_DB } = postgres?.environment ?? {};
    for (const service of [web, worker]) {
      expect(service?.depends_on).toEqual({ postgres: { condition: "service_healthy" } });
      expect(service?.environment?.DATABASE_URL).toBe(
        `postgres://${POSTGRES_USER}:${POSTGRES_PASSWORD}@postgres:5432/${POSTGRES_DB}`,
      );
    }
    // The image's HEALTHCHECK asks /health, which the worker does not serve.
    expect(worker?.healthcheck).toEqual({ disable: true });
  });

  it("sets only variables the configuration reads", () => {
    for (const service of [web, worker])
      expect(configVariables).toEqual(expect.arrayContaining(Object.keys(service?.environment ?? {})));
  });
});
