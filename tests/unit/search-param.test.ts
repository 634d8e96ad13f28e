import { describe, expect, it } from "vitest";
import { withSearchParam } from "#app/http/search-param.ts";
import { labHref } from "#app/models/content.ts";

describe("redirect targets that say what happened", () => {
  it("add the parameter to a bare path, and keep its fragment", () => {
    expect(withSearchParam("/lab", "done", "bot")).toBe("/lab?done=bot");
    expect(withSearchParam("/lab#chat", "done", "bot")).toBe("/lab?done=bot#chat");
  });

  it("keep the other parameters and replace an earlier value of the same one", () => {
    expect(withSearchParam("/chat?room=demo", "done", "bot")).toBe("/chat?room=demo&done=bot");
    expect(withSearchParam("/chat?room=demo&done=old", "done", "bot")).toBe("/chat?room=demo&done=bot");
  });

  it("encode what they add", () => {
    expect(withSearchParam("/lab", "done", "a b&c")).toBe("/lab?done=a+b%26c");
  });
});

describe("lab sections", () => {
  it("are the lab with the section as its fragment, after any query", () => {
    expect(labHref("burst")).toBe("/lab#burst");
    expect(labHref("burst", "?index")).toBe("/lab?index#burst");
    expect(labHref("command", "?done=stepped")).toBe("/lab?done=stepped#command");
  });
});
