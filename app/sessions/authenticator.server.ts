import { Authenticator } from "remix-auth";
import { FormStrategy } from "remix-auth-form";
import type { ClientInfo } from "#app/models/client-info.ts";
import type { User } from "#app/models/user.ts";
import type { AccountsService } from "#app/services/accounts.server.ts";
import { loginForm } from "#app/http/account-forms.ts";
import { parseForm, type FieldErrors } from "#app/http/form.ts";

/** The login form's fields failed validation (nothing was checked against the database). */
export class LoginFormInvalid extends Error {
  constructor(readonly errors: FieldErrors<"email" | "password">) {
    super("The sign-in form is not valid");
    this.name = "LoginFormInvalid";
  }
}

/**
 * Signs in with remix-auth's FormStrategy: the strategy reads the posted form, we validate it and
 * hand the credentials to the accounts service. Returns the user, or throws `LoginFormInvalid` or
 * the service's catalogue error. remix-auth v4 keeps no session: the caller starts one.
 * Built per request because the client's address is not part of the `Request`.
 */
export function authenticate(request: Request, accounts: AccountsService, client: ClientInfo): Promise<User> {
  const authenticator = new Authenticator<User>().use(
    new FormStrategy(async ({ form }) => {
      const parsed = parseForm(loginForm, form);
      if (!parsed.ok) throw new LoginFormInvalid(parsed.errors);
      return accounts.login(parsed.data, client);
    }),
    "password",
  );
  return authenticator.authenticate("password", request);
}
