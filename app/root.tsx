import { useEffect, type ReactNode } from "react";
import {
  isRouteErrorResponse,
  Links,
  Meta,
  Outlet,
  Scripts,
  ScrollRestoration,
  useRouteLoaderData,
} from "react-router";
import type { Route } from "./+types/root";
import { useNonce } from "./components/nonce.tsx";
import { Notice } from "./components/notice.tsx";
import { SiteFooter } from "./components/site-footer.tsx";
import { SiteHeader } from "./components/site-header.tsx";
import { VerifyEmailBanner } from "./components/verify-email-banner.tsx";
import { TabStreamProvider } from "./components/tab-stream.tsx";
import { requestContext } from "./context.ts";
import { documentHeaders } from "./http/document-headers.ts";
import { rememberScriptsRun } from "./http/render-mode.ts";
import { databaseOutage } from "./http/database-outage.ts";
import { catalogueResourceErrors } from "./http/resource-problems.ts";
import { isErrorCode, type Problem } from "./models/errors.ts";
import { siteContent } from "./models/site-content.ts";
import { isEmailVerified, nameOf } from "./models/user.ts";
import { viewerOf } from "./sessions/viewer.server.ts";
import { takeWelcome } from "./sessions/welcome.server.ts";
import stylesheet from "./styles/app.css?url";

export const links: Route.LinksFunction = () => [
  { rel: "stylesheet", href: stylesheet },
  { rel: "icon", href: "/favicon.svg", type: "image/svg+xml" },
];

export async function loader({ context }: Route.LoaderArgs) {
  try {
    const { user } = await viewerOf(context);
    return {
      viewer: user && {
        username: user.username,
        name: nameOf(user),
        role: user.role,
        email: user.email,
        emailVerified: isEmailVerified(user),
      },
      welcome: await takeWelcome(context),
    };
  } catch (error) {
    // The public pages stay up while the database is away; pages that need the account still fail.
    context.get(requestContext).log.warn({ err: error }, "session unavailable: rendering the page for a guest");
    return { viewer: null, welcome: false };
  }
}

/** Resource routes answer every error, React Router's own included, as a catalogue problem; an unreachable database is a 503. */
export const middleware: Route.MiddlewareFunction[] = [catalogueResourceErrors, ...databaseOutage];

/** Pages name the signed-in member in the header: browsers may keep them, shared caches may not. */
export const headers = documentHeaders("private, no-cache");

/** The header shows who is signed in, so it is re-checked on every navigation, not only after actions. */
export const shouldRevalidate = () => true;

export function Layout({ children }: { children: ReactNode }) {
  const nonce = useNonce();
  // Undefined while an error page renders without the root loader's data.
  const rootData = useRouteLoaderData<typeof loader>("root");
  return (
    <html lang="en">
      <head>
        <meta charSet="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="color-scheme" content="light dark" />
        <Meta />
        {/* Stylesheets need no nonce ('self'), and a nonce here would differ at hydration. */}
        <Links nonce="" />
      </head>
      <body>
        <a className="skip-link" href="#main">
          Skip to content
        </a>
        <SiteHeader site={siteContent} viewer={rootData?.viewer ?? null} />
        {rootData?.viewer && !rootData.viewer.emailVerified ? (
          <VerifyEmailBanner email={rootData.viewer.email} />
        ) : null}
        <main id="main" tabIndex={-1} className="container main">
          <Notice tone="success">
            {rootData?.welcome && rootData.viewer
              ? `Welcome to ${siteContent.name}, ${rootData.viewer.username}: your account is ready and you are signed in.`
              : undefined}
          </Notice>
          {children}
        </main>
        <SiteFooter site={siteContent} />
        <ScrollRestoration nonce={nonce} />
        <Scripts nonce={nonce} />
      </body>
    </html>
  );
}

export default function App() {
  // From now on this browser's documents may stream: it shows deferred panels as they arrive.
  useEffect(rememberScriptsRun, []);
  return (
    <TabStreamProvider>
      <Outlet />
    </TabStreamProvider>
  );
}

export function ErrorBoundary({ error }: Route.ErrorBoundaryProps) {
  if (isRouteErrorResponse(error) && error.status === 404) {
    return (
      <section className="error-page" aria-labelledby="error-title">
        <title>{`Page not found — ${siteContent.name}`}</title>
        <p className="eyebrow">404</p>
        <h1 id="error-title">Page not found</h1>
        <p>There is nothing at this address. It may have moved, or the link may be mistyped.</p>
        <p>
          <a className="button" href="/">
            Back to the home page
          </a>
        </p>
      </section>
    );
  }
  const status = isRouteErrorResponse(error) ? error.status : 500;
  // A catalogue problem thrown as data (the database outage's 503): its message and code.
  const problem = isRouteErrorResponse(error) && isProblem(error.data) ? error.data : undefined;
  if (problem) {
    return (
      <section className="error-page" aria-labelledby="error-title">
        <title>{`Error ${status} — ${siteContent.name}`}</title>
        <p className="eyebrow">Error {status}</p>
        <h1 id="error-title">{status >= 500 ? "Temporarily unavailable" : "This request could not be handled"}</h1>
        <p role="alert">{problem.message}</p>
        <p className="field__hint">
          Error code <code>{problem.code}</code>
        </p>
      </section>
    );
  }
  // React Router replaces server errors with a bare "Unexpected Server Error" in production mode
  // (server/app.ts), so a stack only ever reaches this page in development.
  const details = error instanceof Error ? error.stack : undefined;
  return (
    <section className="error-page" aria-labelledby="error-title">
      <title>{`Error ${status} — ${siteContent.name}`}</title>
      <p className="eyebrow">Error {status}</p>
      <h1 id="error-title">{status >= 500 ? "Something went wrong" : "This request could not be handled"}</h1>
      <p>
        {status >= 500
          ? "The server hit an unexpected problem. It has been logged; please try again in a moment."
          : isRouteErrorResponse(error) && typeof error.data === "string" && error.data
            ? error.data
            : "The request was not valid."}
      </p>
      {details ? <pre className="error-details">{details}</pre> : null}
    </section>
  );
}

function isProblem(value: unknown): value is Problem {
  return (
    typeof value === "object" &&
    value !== null &&
    "code" in value &&
    isErrorCode(value.code) &&
    "message" in value &&
    typeof value.message === "string"
  );
}
