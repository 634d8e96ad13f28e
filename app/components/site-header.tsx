import { Form, Link, NavLink } from "react-router";
import type { SiteContent } from "#app/models/content.ts";
import { hasRole, type Role } from "#app/models/user.ts";

export interface HeaderViewer {
  readonly username: string;
  /** The display name, else the username. */
  readonly name: string;
  readonly role: Role;
}

export function SiteHeader({ site, viewer }: { site: SiteContent; viewer: HeaderViewer | null }) {
  return (
    <header className="site-header">
      <div className="container site-header__inner">
        <NavLink to="/" className="brand" aria-label={`${site.name} home`}>
          <span aria-hidden="true" className="brand__mark">
            ◫
          </span>
          {site.name}
        </NavLink>
        <nav aria-label="Main">
          <ul className="nav-list">
            {site.navigation.map((item) => (
              <li key={item.href}>
                <NavLink to={item.href} end={item.href === "/"} className="nav-link">
                  {item.label}
                </NavLink>
              </li>
            ))}
            {viewer && hasRole(viewer, "moderator") ? (
              <li>
                <NavLink to="/chat/moderation" className="nav-link">
                  Moderation
                </NavLink>
              </li>
            ) : null}
            {viewer?.role === "admin" ? (
              <li>
                <NavLink to="/admin" className="nav-link">
                  Admin
                </NavLink>
              </li>
            ) : null}
          </ul>
        </nav>
        <div className="account-bar">
          {viewer ? (
            <>
              <span>
                Signed in as <Link to="/account">{viewer.name}</Link>
              </span>
              <Form method="post" action="/logout">
                <button type="submit" className="link-button">
                  Sign out
                </button>
              </Form>
            </>
          ) : (
            <>
              <NavLink to="/login" className="nav-link">
                Sign in
              </NavLink>
              <NavLink to="/register" className="nav-link">
                Create account
              </NavLink>
            </>
          )}
        </div>
      </div>
    </header>
  );
}
