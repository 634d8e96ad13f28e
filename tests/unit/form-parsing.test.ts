import { describe, expect, it } from "vitest";
import { registerForm } from "#app/http/account-forms.ts";
import { parseForm, readForm } from "#app/http/form.ts";

const form = (entries: [string, string | Blob][]) => {
  const data = new FormData();
  for (const [name, value] of entries) data.append(name, value);
  return data;
};

describe("form parsing", () => {
  it("returns domain values for a valid form", () => {
    const parsed = parseForm(
      registerForm,
      form([
        ["username", " Ada_1 "],
        ["email", "ADA@example.com"],
        ["password", "correct horse battery"],
      ]),
    );
    expect(parsed).toEqual({
      ok: true,
      data: { username: "ada_1", email: "ada@example.com", password: "correct horse battery" },
    });
  });

  it("gives one message per invalid field, and treats missing fields and uploads as empty", () => {
    const parsed = parseForm(
      registerForm,
      form([
        ["username", "Ada!"],
        ["email", new Blob(["x@example.com"])],
      ]),
    );
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.errors).toEqual({
      username: "Use only letters, digits and _",
      email: "Enter an email address",
      password: "Enter a password",
    });
  });

  it("reads the first of repeated fields", () => {
    const parsed = parseForm(
      registerForm,
      form([
        ["username", "ada"],
        ["username", "eve"],
        ["email", "a@example.com"],
        ["password", "correct horse battery"],
      ]),
    );
    expect(parsed.ok && parsed.data.username).toBe("ada");
  });

  it("answers 400, not 500, when the body is not a form", async () => {
    const request = new Request("http://localhost/login", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{}",
    });
    await expect(readForm(request)).rejects.toMatchObject({ init: { status: 400 } });
  });
});
