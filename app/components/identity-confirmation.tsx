import { TextField } from "./text-field.tsx";

/** What the account can prove itself with: the form asks for exactly those. */
export interface IdentityMethods {
  readonly hasPassword: boolean;
  readonly twoFactorOn: boolean;
}

export type IdentityErrors = Partial<Record<"currentPassword" | "code" | "confirmUsername", string>>;

/**
 * "Is it you?" inside a drastic form (change the address, delete the account): the password, or a
 * code from the authenticator app; an account with neither (made through GitHub or Google) types
 * its username. Field names match `identityProofFields` (app/http/account-forms.ts).
 */
export function IdentityConfirmation({
  methods,
  errors,
  username,
}: {
  methods: IdentityMethods;
  errors: IdentityErrors | undefined;
  username: string;
}) {
  if (!methods.hasPassword && !methods.twoFactorOn) {
    return (
      <TextField
        label={`Type your username (${username}) to confirm`}
        name="confirmUsername"
        autoComplete="off"
        error={errors?.confirmUsername}
      />
    );
  }
  return (
    <>
      {methods.hasPassword ? (
        <TextField
          label="Confirm with your password"
          name="currentPassword"
          type="password"
          autoComplete="current-password"
          required={!methods.twoFactorOn}
          error={errors?.currentPassword}
        />
      ) : null}
      {methods.twoFactorOn ? (
        <TextField
          label={
            methods.hasPassword
              ? "Or with a code from your authenticator app"
              : "Confirm with a code from your authenticator app"
          }
          name="code"
          autoComplete="one-time-code"
          hint="6 digits, or one of your backup codes"
          required={!methods.hasPassword}
          error={errors?.code}
        />
      ) : null}
    </>
  );
}
