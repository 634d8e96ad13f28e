import { NavLink } from "react-router";
import type { SiteContent } from "../models/content.ts";

export function SiteHeader({ site }: { site: SiteContent }) {
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
          </ul>
        </nav>
      </div>
    </header>
  );
}
