import { Form } from "react-router";
import { IdentityConfirmation, type IdentityErrors, type IdentityMethods } from "./identity-confirmation.tsx";
import { Notice } from "./notice.tsx";
import { TextField } from "./text-field.tsx";

/** The account page's forms added with issue 13: display name, email address, deleting the account. Each posts an `intent`. */

export function DisplayNameSettings({ displayName, error }: { displayName: string | null; error: string | undefined }) {
  return (
    <section aria-labelledby="display-name-title">
      <h2 id="display-name-title">Display name</h2>
      <Form method="post" className="stack">
        <input type="hidden" name="intent" value="display-name" />
        <TextField
          label="Display name"
          name="displayName"
          defaultValue={displayName ?? ""}
          required={false}
          maxLength={50}
          hint="Shown in the header instead of your username; leave it empty to use your username. Chat always shows your username."
          error={error}
        />
        <p>
          <button type="submit" className="button">
            Save display name
          </button>
        </p>
      </Form>
    </section>
  );
}

export function EmailSettings(props: {
  email: string;
  verified: boolean;
  methods: IdentityMethods;
  username: string;
  typedEmail: string | undefined;
  errors: (IdentityErrors & { email?: string }) | undefined;
  formError: string | undefined;
}) {
  return (
    <section aria-labelledby="email-title">
      <h2 id="email-title">Email address</h2>
      <p>
        {props.email} —{" "}
        {props.verified
          ? "confirmed"
          : "not confirmed yet: follow the link we mailed you, or send it again from the banner above"}
      </p>
      <Notice tone="error">{props.formError}</Notice>
      <Form method="post" className="stack">
        <input type="hidden" name="intent" value="change-email" />
        <TextField
          label="New email address"
          name="email"
          type="email"
          autoComplete="email"
          defaultValue={props.typedEmail}
          error={props.errors?.email}
          hint="We mail a link to the new address; your account moves to it when you follow the link."
        />
        <IdentityConfirmation methods={props.methods} errors={props.errors} username={props.username} />
        <p>
          <button type="submit" className="button">
            Change email address
          </button>
        </p>
      </Form>
    </section>
  );
}

export function DeleteAccount({
  methods,
  username,
  errors,
  formError,
}: {
  methods: IdentityMethods;
  username: string;
  errors: IdentityErrors | undefined;
  formError: string | undefined;
}) {
  return (
    <section aria-labelledby="delete-title">
      <h2 id="delete-title">Delete your account</h2>
      <p>
        This signs you out everywhere and removes your account, its sessions, connected accounts and two-factor
        settings. Your chat messages stay, signed “deleted user”. It cannot be undone.
      </p>
      <Notice tone="error">{formError}</Notice>
      <Form method="post" className="stack">
        <input type="hidden" name="intent" value="delete-account" />
        <IdentityConfirmation methods={methods} errors={errors} username={username} />
        <p>
          <button type="submit" className="button button--danger">
            Delete my account
          </button>
        </p>
      </Form>
    </section>
  );
}
