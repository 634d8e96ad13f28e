import { AppError } from "#app/models/errors.ts";
import { mayWritePosts } from "#app/models/post.ts";
import type { User } from "#app/models/user.ts";
import { problemPage } from "#app/http/problem.ts";
import { requireUser } from "./guards.server.ts";

/** For the writing forms: guests are sent to sign in, accounts that may not write posts get a 403 page. */
export async function requireAuthor(args: Parameters<typeof requireUser>[0]): Promise<User> {
  const { user } = await requireUser(args);
  if (!mayWritePosts(user)) throw problemPage(new AppError("auth:forbidden"));
  return user;
}
