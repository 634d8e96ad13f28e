import { redirect, type RouterContextProvider, type Session } from "react-router";
import { AppError } from "#app/models/errors.ts";
import type { SessionData } from "#app/models/session-repository.server.ts";
import { hasRole, type Role, type User } from "#app/models/user.ts";
import { problemPage, problemResponse } from "#app/http/problem.ts";
import { safeRedirectPath } from "#app/http/redirect-target.ts";
import { viewerOf } from "./viewer.server.ts";

/**
 * Route guards for loaders and actions. Pages send guests to /login?next=… and show a 403 page to
 * members without the role; resource routes answer 401/403 with catalogue JSON instead.
 */
export type Audience = "page" | "resource";

interface GuardArgs {
  readonly context: Readonly<RouterContextProvider>;
  /** The loader's `url` argument: the page's own address, without React Router's `.data` suffix. */
  readonly url: URL;
}

export interface SignedIn {
  readonly user: User;
  readonly session: Session<SessionData>;
}

export async function requireUser({ context, url }: GuardArgs, audience: Audience = "page"): Promise<SignedIn> {
  const { user, session } = await viewerOf(context);
  if (user) return { user, session };
  if (audience === "resource") throw problemResponse(new AppError("auth:unauthenticated"));
  throw redirect(`/login?${new URLSearchParams({ next: `${url.pathname}${url.search}` })}`);
}

export async function requireRole(args: GuardArgs, role: Role, audience: Audience = "page"): Promise<SignedIn> {
  const signedIn = await requireUser(args, audience);
  if (hasRole(signedIn.user, role)) return signedIn;
  const forbidden = new AppError("auth:forbidden");
  throw audience === "resource" ? problemResponse(forbidden) : problemPage(forbidden);
}

/** Where a sign-in leads when the form names no `next`. */
export const AFTER_SIGN_IN = "/account";

/** For the sign-in and sign-up pages: the `next` they carry, or straight there when already signed in. */
export async function requireGuest({ context, url }: GuardArgs): Promise<{ next: string }> {
  const next = safeRedirectPath(url.searchParams.get("next"), AFTER_SIGN_IN);
  if ((await viewerOf(context)).user) throw redirect(next);
  return { next };
}
