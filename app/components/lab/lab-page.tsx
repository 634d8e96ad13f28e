import { Suspense, useEffect, useState } from "react";
import { Await, Link } from "react-router";
import { rooms } from "#app/models/chat.ts";
import type { RequestLine, TraceEvent } from "#app/models/trace.ts";
import type { ChatMessageView } from "#app/models/chat.ts";
import type { LabOutcome } from "#app/models/lab.ts";
import { ChatPanel } from "#app/components/chat-panel.tsx";
import { tabId, useSessionRefresh } from "#app/components/tab-stream.tsx";
import { BoundaryCheckWidget, DatabaseCheckWidget } from "./boundary-widgets.tsx";
import { BurstPanel } from "./burst-panel.tsx";
import { CommandPanel } from "./command-panel.tsx";
import { AuthStatusWidget, SessionDetailsWidget } from "./identity-widgets.tsx";
import { useLabRuntime } from "./lab-stream.ts";
import { BackendLog, DiagnosticLog, NetworkLog } from "./logs-panel.tsx";
import { TimelinePanel } from "./timeline-panel.tsx";

/** The lab: every panel of DESIGN.md, fed by one event stream per tab (`lab=1`). */
export interface LabPageProps {
  readonly viewer: { readonly username: string; readonly role: string } | null;
  readonly meta: {
    readonly requestId: string;
    readonly session: string | null;
    readonly userId: string | null;
    readonly ip: string;
    readonly userAgent: string | null;
  };
  readonly snapshot: { readonly own: readonly TraceEvent[]; readonly others: readonly RequestLine[] };
  /** The visitor's own diagnostic events, as they were when the page was rendered. */
  readonly diagnostics: readonly TraceEvent[];
  /** The trace snapshot's newest event number: the stream replays what came after it. */
  readonly traceAfter: number;
  readonly filter: string;
  readonly count: number;
  readonly commandNotice: string | undefined;
  readonly chat: {
    readonly room: { readonly id: string; readonly name: string };
    readonly signedIn: boolean;
    /** Signed in, but the email address is not confirmed yet: reading only. */
    readonly unverified: boolean;
    readonly botDone: boolean;
  };
  /** Read from the database after the shell went out (deferred data): the panel streams in when it is ready. */
  readonly chatHistory: Promise<ChatHistory>;
  readonly outcome: LabOutcome | undefined;
}

interface ChatHistory {
  readonly messages: readonly ChatMessageView[];
  readonly hasOlder: boolean;
  /** The newest message id when the history was read: the tab's stream starts after it. */
  readonly streamAfter: string;
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
  // The tab's one stream resumes the chat after the history's newest message, which comes with the
  // deferred history: it opens once that is known, then stays fixed for the page's life, so new
  // messages (and revalidations) never make it reconnect.
  const [after, setAfter] = useState<string>();
  const [traceAfter] = useState(String(props.traceAfter));
  const streamUrlAfter = (chatAfter: string) =>
    `/events?${new URLSearchParams({ tab: tabId, room: props.chat.room.id, after: chatAfter, lab: "1", trace: traceAfter })}`;
  const streamUrl = after === undefined ? undefined : streamUrlAfter(after);
  useEffect(() => {
    let current = true;
    props.chatHistory.then(
      (history) => current && setAfter((known) => known ?? history.streamAfter),
      () => undefined,
    );
    return () => {
      current = false;
    };
  }, [props.chatHistory]);
  const runtime = useLabRuntime(streamUrl, props.snapshot);
  useSessionRefresh(streamUrl);
  const { meta, outcome } = props;

  return (
    <>
      <section className="hero" aria-labelledby="lab-title">
        <p className="eyebrow">Live lab</p>
        <h1 id="lab-title">Watch this server work</h1>
        <p className="lead">
          Every request you make here, every SQL statement it runs and every push it sends shows up below, as it
          happens.
        </p>
        <p id="session-status" role="status">
          {props.viewer ? (
            <>
              Signed in as <strong>{props.viewer.username}</strong> ({props.viewer.role}).{" "}
              <Link to="/account">Your account</Link>
            </>
          ) : (
            <>
              Browsing as a guest. <Link to="/login?next=/lab">Sign in</Link> or{" "}
              <Link to="/register?next=/lab">create an account</Link> to post in the chat.
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
        <Suspense fallback={<p aria-busy="true">Loading the chat…</p>}>
          <Await
            resolve={props.chatHistory}
            errorElement={<p role="alert">The chat could not be loaded. Reload the page to try again.</p>}
          >
            {(history) => (
              <ChatPanel
                {...props.chat}
                {...history}
                rooms={rooms.filter((room) => room.id === props.chat.room.id)}
                olderHref={history.hasOlder ? `/chat?room=${props.chat.room.id}` : undefined}
                latestHref={undefined}
                action="/chat"
                returnTo="/lab"
                // The tab's lab stream (the same URL the page opens once it knows `after`).
                streamUrl={streamUrlAfter(after ?? history.streamAfter)}
              />
            )}
          </Await>
        </Suspense>
      </section>

      <section id="visibility" aria-labelledby="visibility-title" className="lab-section">
        <h2 id="visibility-title">Visibility</h2>
        <TimelinePanel runtime={runtime} initialFilter={props.filter} />
        <BackendLog runtime={runtime} />
        <DiagnosticLog events={props.diagnostics} />
        <NetworkLog runtime={runtime} />
      </section>

      <section aria-labelledby="command-section-title" className="lab-section">
        <h2 id="command-section-title">Command + SSE</h2>
        <CommandPanel streamUrl={streamUrl} count={props.count} notice={props.commandNotice} outcome={outcome} />
      </section>
    </>
  );
}
