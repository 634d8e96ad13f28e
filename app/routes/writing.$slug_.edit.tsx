import { Form, redirect } from "react-router";
import { PostForm } from "#app/components/post-form.tsx";
import { requestContext, servicesOf } from "#app/context.ts";
import { documentHeaders } from "#app/http/document-headers.ts";
import { readForm, textOf } from "#app/http/form.ts";
import { parsePostForm, postFormInvalid, postSaveFailure, postSlugOf } from "#app/http/post-forms.ts";
import { problemPage } from "#app/http/problem.ts";
import { AppError } from "#app/models/errors.ts";
import { requireAuthor } from "#app/sessions/author-guard.server.ts";
import type { Route } from "./+types/writing.$slug_.edit";

export async function loader(args: Route.LoaderArgs) {
  const user = await requireAuthor(args);
  try {
    return { post: await servicesOf(args.context).posts.bySlug(user, postSlugOf(args.params)) };
  } catch (error) {
    throw error instanceof AppError ? problemPage(error) : error;
  }
}

export async function action(args: Route.ActionArgs) {
  const user = await requireAuthor(args);
  const slug = postSlugOf(args.params);
  const { services, client } = args.context.get(requestContext);
  const form = await readForm(args.request);
  try {
    if (textOf(form, "intent") === "delete") {
      await services.posts.remove(user, slug, client);
      return redirect("/writing?done=deleted", 303);
    }
    const parsed = parsePostForm(form);
    if (!parsed.ok) return postFormInvalid(parsed);
    const post = await services.posts.update(user, slug, parsed.draft, client);
    return redirect(`/writing/${post.slug}?done=saved`, 303);
  } catch (error) {
    return postSaveFailure(error, form);
  }
}

export const meta: Route.MetaFunction = ({ loaderData }) => [
  { title: `Edit “${loaderData?.post.title ?? "post"}” — glassbox` },
];

export const headers = documentHeaders("private, no-store");

export default function EditPost({ loaderData: { post }, actionData }: Route.ComponentProps) {
  return (
    <section className="form-page form-page--wide" aria-labelledby="edit-post-title">
      <h1 id="edit-post-title">Edit “{post.title}”</h1>
      <PostForm
        state={actionData}
        initial={{ title: post.title, slug: post.slug, summary: post.summary ?? "", body: post.body }}
        submitLabel="Save changes"
      />
      <Form method="post" className="danger-zone">
        <p>Deleting a post cannot be undone.</p>
        <button type="submit" name="intent" value="delete" className="button button--danger">
          Delete this post
        </button>
      </Form>
    </section>
  );
}
