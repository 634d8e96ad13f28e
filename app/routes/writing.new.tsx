import { redirect } from "react-router";
import { PostForm } from "#app/components/post-form.tsx";
import { requestContext } from "#app/context.ts";
import { documentHeaders } from "#app/http/document-headers.ts";
import { readForm } from "#app/http/form.ts";
import { parsePostForm, postFormInvalid, postSaveFailure } from "#app/http/post-forms.ts";
import { requireAuthor } from "#app/sessions/author-guard.server.ts";
import type { Route } from "./+types/writing.new";

export async function loader(args: Route.LoaderArgs) {
  await requireAuthor(args);
  return null;
}

export async function action(args: Route.ActionArgs) {
  const user = await requireAuthor(args);
  const { services, client } = args.context.get(requestContext);
  const form = await readForm(args.request);
  const parsed = parsePostForm(form);
  if (!parsed.ok) return postFormInvalid(parsed);
  try {
    const post = await services.posts.create(user, parsed.draft, client);
    return redirect(`/writing/${post.slug}?done=saved`, 303);
  } catch (error) {
    return postSaveFailure(error, form);
  }
}

export const meta: Route.MetaFunction = () => [{ title: "Write a post — glassbox" }];

export const headers = documentHeaders("private, no-store");

export default function NewPost({ actionData }: Route.ComponentProps) {
  return (
    <section className="form-page form-page--wide" aria-labelledby="new-post-title">
      <h1 id="new-post-title">Write a post</h1>
      <PostForm state={actionData} submitLabel="Publish" />
    </section>
  );
}
