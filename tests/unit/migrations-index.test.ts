import { readdirSync } from "node:fs";
import { expect, it } from "vitest";
import { migrations } from "#db/migrations/index.ts";

it("lists every migration file in db/migrations, in order", () => {
  const files = readdirSync(new URL("../../db/migrations/", import.meta.url))
    .filter((file) => /^\d{4}_.+\.ts$/.test(file))
    .map((file) => file.replace(/\.ts$/, ""))
    .sort();
  expect(Object.keys(migrations)).toEqual(files);
});
