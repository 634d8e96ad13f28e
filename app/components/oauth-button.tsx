import { Form } from "react-router";
import { providerNames, type OAuthProvider } from "#app/models/oauth.ts";

/**
 * "Continue with GitHub" (sign-in) / "Connect Google": a form post to /auth/<provider>, which
 * redirects to the provider. Always a full document submission (`reloadDocument`), with or without
 * JavaScript: the answer is a redirect to another site, with the state cookie on it.
 */
export function OAuthButton({
  provider,
  children,
  next,
}: {
  provider: OAuthProvider;
  children: string;
  next?: string;
}) {
  return (
    <Form method="post" action={`/auth/${provider}`} reloadDocument>
      {next ? <input type="hidden" name="next" value={next} /> : null}
      <button type="submit" className="button button--quiet">
        {children}
      </button>
    </Form>
  );
}

/** "Continue with …" for every provider this server offers (sign-in and sign-up pages). */
export function OAuthButtons({ providers, next }: { providers: readonly OAuthProvider[]; next: string }) {
  return providers.map((provider) => (
    <OAuthButton key={provider} provider={provider} next={next}>
      {`Continue with ${providerNames[provider]}`}
    </OAuthButton>
  ));
}
