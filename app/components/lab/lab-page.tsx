import { useState } from "react";
import { Link } from "react-router";
import { rooms } from "../../models/chat.ts";
import type { RequestLine, TraceEvent } from "../../models/trace.ts";
import type { ChatMessageView } from "../../services/chat-feed.ts";
import type { LabOutcome } from "../../services/lab.ts";
import { ChatPanel } from "../chat-panel.tsx";
import { tabId } from "../tab-stream.tsx";
import { BoundaryCheckWidget, DatabaseCheckWidget } from "./boundary-widgets.tsx";
import { BurstPanel } from "./burst-panel.tsx";
import { CommandPanel } from "./command-panel.tsx";
import { AuthStatusWidget, SessionDetailsWidget } from "./identity-widgets.tsx";
import { useLabRuntime } from "./lab-stream.ts";
import { BackendLog, NetworkLog } from "./logs-panel.tsx";
import { TimelinePanel } from "./timeline-panel.tsx";

/** The lab: every panel of DESIGN.md, fed by one event stream per tab (`lab=1`). */
export interface LabPageProps {
  readonly viewer: { readonly username: string; readonly role: string } | null;
  readonly meta: { readonly requestId: string; readonly session: string | null; readonly userId: string | null; readonly ip: string; readonly userAgent: string | null };
  readonly snapshot: { readonly own: readonly TraceEvent[]; readonly others: readonly RequestLine[] };
  /** The trace snapshot's newest event number: the stream replays what came after it. */
  readonly traceAfter: number;
  readonly filter: string;
  readonly count: number;
  readonly commandNotice: string | undefined;
  readonly chat: { readonly room: { readonly id: string; readonly name: string }; readonly messages: readonly ChatMessageView[]; readonly hasOlder: boolean; readonly streamAfter: string; readonly signedIn: boolean };
  readonly outcome: LabOutcome | undefined;
}

const sections = [
  { href: "#identity", label: "Identity" },
  { href: "#boundaries", label: "Boundaries" },
  { href: "#burst", label: "Load" },
  { href: "#chat", label: "Chat" },
  { href: "#visibility", label: "Visibility" },
  { href: "#command", label: "Command + SSE" },
] as const;

export function LabPage(props: LabPageProps) {
  // Fixed for the page's life, so new messages never make the stream reconnect.
  const [after] = useState(props.chat.streamAfter);
  const [traceAfter] = useState(String(props.traceAfter));
  const streamUrl = `/events?${new URLSearchParams({ tab: tabId, room: props.chat.room.id, after, lab: "1", trace: traceAfter })}`;
  const runtime = useLabRuntime(streamUrl, props.snapshot);
  const { meta, outcome } = props;

  return (
    <>
      <section className="hero" aria-labelledby="lab-title">
        <p className="eyebrow">Live lab</p>
        <h1 id="lab-title">Watch this server work</h1>
        <p className="lead">Every request you make here, every SQL statement it runs and every push it sends shows up below, as it happens.</p>
        <p id="session-status" role="status">
          {props.viewer ? (
            <>
              Signed in as <strong>{props.viewer.username}</strong> ({props.viewer.role}). <Link to="/account">Your account</Link>
            </>
          ) : (
            <>
              Browsing as a guest. <Link to="/login?next=/lab">Sign in</Link> or <Link to="/register?next=/lab">create an account</Link> to post in the chat.
            </>
          )}
        </p>
      </section>

      <nav aria-label="Lab sections" className="lab-tabs">
        <ul className="nav-list">
          {sections.map((section) => (
            <li key={section.href}>
              <a href={section.href} className="nav-link">
                {section.label}
              </a>
            </li>
          ))}
        </ul>
      </nav>

      <section id="identity" aria-labelledby="identity-title" className="lab-section">
        <h2 id="identity-title">Identity</h2>
        <div className="card-grid">
          <section id="request-meta" className="card" aria-labelledby="request-meta-title">
            <h3 id="request-meta-title">Request meta</h3>
            <dl className="facts">
              <dt>Request id</dt>
              <dd>
                <code>{meta.requestId}</code>
              </dd>
              <dt>Session</dt>
              <dd>{meta.session ? <code>{meta.session}</code> : "none (guest)"}</dd>
              <dt>User id</dt>
              <dd>{meta.userId ? <code>{meta.userId}</code> : "none (guest)"}</dd>
              <dt>Client IP</dt>
              <dd>{meta.ip}</dd>
              <dt>User agent</dt>
              <dd>{meta.userAgent ?? "none sent"}</dd>
            </dl>
          </section>
          <AuthStatusWidget outcome={outcome} />
          <SessionDetailsWidget outcome={outcome} />
        </div>
      </section>

      <section id="boundaries" aria-labelledby="boundaries-title" className="lab-section">
        <h2 id="boundaries-title">Boundaries</h2>
        <div className="card-grid">
          <BoundaryCheckWidget outcome={outcome} />
          <DatabaseCheckWidget outcome={outcome} />
        </div>
      </section>

      <section aria-labelledby="load-title" className="lab-section">
        <h2 id="load-title">Load</h2>
        <BurstPanel outcome={outcome} />
      </section>

      <section id="chat" aria-labelledby="lab-chat-title" className="lab-section">
        <h2 id="lab-chat-title">Chat</h2>
        <p>
          The live chat, on this tab&apos;s one stream. <Link to="/chat">Open the full chat</Link>.
        </p>
        <ChatPanel
          {...props.chat}
          rooms={rooms.filter((room) => room.id === props.chat.room.id)}
          olderHref={props.chat.hasOlder ? `/chat?room=${props.chat.room.id}` : undefined}
          latestHref={undefined}
          formError={undefined}
          bodyError={undefined}
          notice={undefined}
          action="/chat"
          returnTo="/lab#chat"
          streamUrl={streamUrl}
        />
      </section>

      <section id="visibility" aria-labelledby="visibility-title" className="lab-section">
        <h2 id="visibility-title">Visibility</h2>
        <TimelinePanel runtime={runtime} initialFilter={props.filter} />
        <BackendLog runtime={runtime} />
        <NetworkLog runtime={runtime} />
      </section>

      <section aria-labelledby="command-section-title" className="lab-section">
        <h2 id="command-section-title">Command + SSE</h2>
        <CommandPanel streamUrl={streamUrl} count={props.count} notice={props.commandNotice} outcome={outcome} />
      </section>
    </>
  );
}
