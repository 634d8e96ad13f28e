import type { SiteContent } from "#app/models/content.ts";
import { SmartLink } from "./smart-link.tsx";

export function SiteFooter({ site }: { site: SiteContent }) {
  return (
    <footer className="site-footer">
      <div className="container site-footer__inner">
        <p>
          © {site.owner} · {site.tagline}
        </p>
        <ul className="footer-links" aria-label="Contact">
          {site.contact.map((item) => (
            <li key={item.href}>
              <SmartLink href={item.href}>{item.label}</SmartLink>
            </li>
          ))}
        </ul>
      </div>
    </footer>
  );
}
