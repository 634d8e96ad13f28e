import { oauthProviderSchema, type OAuthProvider } from "#app/models/oauth.ts";

/** The `:provider` of /auth/:provider/…: a provider glassbox knows (configured or not), else undefined (a 404). */
export function providerParam(params: { provider?: string }): OAuthProvider | undefined {
  const parsed = oauthProviderSchema.safeParse(params.provider);
  return parsed.success ? parsed.data : undefined;
}
