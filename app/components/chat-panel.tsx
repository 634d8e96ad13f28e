import { useCallback, useState } from "react";
import { Link, useRevalidator } from "react-router";
import type { ChatMessageView, ChatStreamEvent } from "#app/models/chat.ts";
import { ChatCompose, type ChatRefusal } from "./chat-compose.tsx";
import { DateTime } from "./date-time.tsx";
import { tabId, useSessionRefresh, useTabEvent } from "./tab-stream.tsx";

/**
 * The chat room: history, "load older", the post form, and live updates over the tab's event
 * stream; the forms are `ChatCompose`. Without JavaScript the forms post and the page comes back
 * with the new message.
 * Used by /chat, and by the lab's chat panel.
 */
export interface ChatPanelProps {
  readonly room: { readonly id: string; readonly name: string };
  readonly rooms: readonly { readonly id: string; readonly name: string }[];
  readonly messages: readonly ChatMessageView[];
  /** The newest message id in the room when the page was rendered ("0" for none): the stream starts after it. */
  readonly streamAfter: string;
  readonly olderHref: string | undefined;
  /** Set when showing older history: no live updates then, and a link back to the latest. */
  readonly latestHref: string | undefined;
  readonly signedIn: boolean;
  /** Why the last post or demo bot request was refused (the page re-renders with it without JavaScript). */
  readonly refusal?: ChatRefusal;
  /** The demo bot has just posted (the `?done=bot` of the redirect). */
  readonly botDone: boolean;
  /** Signed in, but the email address is not confirmed yet: reading only. */
  readonly unverified?: boolean;
  /** Where the page's forms post. */
  readonly action: string;
  /** Where the forms come back to after posting (the lab's panel); the room page by default. */
  readonly returnTo?: string;
  /** The tab's stream, when the page needs more on it than the chat (the lab); built from the room otherwise. */
  readonly streamUrl?: string;
}

type Live = ReadonlyMap<string, ChatMessageView | "removed">;

const byId = (a: ChatMessageView, b: ChatMessageView) => (BigInt(a.id) < BigInt(b.id) ? -1 : 1);

export function ChatPanel(props: ChatPanelProps) {
  const { room, messages } = props;
  const [live, setLive] = useState<Live>(new Map());
  const revalidator = useRevalidator();
  // Fixed per room (the panel is keyed by room) so a new message never makes the stream reconnect.
  const [after] = useState(props.streamAfter);
  const streamUrl = props.latestHref
    ? undefined
    : (props.streamUrl ?? `/events?${new URLSearchParams({ tab: tabId, room: room.id, after })}`);

  const onChat = useCallback(
    (data: string) => {
      const event = JSON.parse(data) as ChatStreamEvent;
      if (event.type === "resync") return void revalidator.revalidate();
      setLive((current) =>
        new Map(current).set(
          event.type === "removed" ? event.id : event.message.id,
          event.type === "removed" ? "removed" : event.message,
        ),
      );
    },
    [revalidator],
  );
  useTabEvent(streamUrl, "chat", onChat);
  // The room page's own stream also carries sign-ins and sign-outs (the lab listens on its own).
  useSessionRefresh(props.streamUrl === undefined ? streamUrl : undefined);

  const shown = new Map<string, ChatMessageView>(messages.map((message) => [message.id, message]));
  for (const [id, update] of live) {
    if (update === "removed") shown.delete(id);
    else shown.set(id, update);
  }
  const list = [...shown.values()].sort(byId);

  return (
    <section className="chat" aria-labelledby="chat-title">
      <h2 id="chat-title" className="visually-hidden">
        {room.name}
      </h2>
      <nav aria-label="Rooms">
        <ul className="chat__rooms">
          {props.rooms.map((other) => (
            <li key={other.id}>
              <Link
                to={`${props.action}?room=${other.id}`}
                aria-current={other.id === room.id ? "page" : undefined}
                className="nav-link"
              >
                {other.name}
              </Link>
            </li>
          ))}
        </ul>
      </nav>
      {props.olderHref ? (
        <p>
          <Link to={props.olderHref}>Load older messages</Link>
        </p>
      ) : null}
      <ol className="chat__messages" aria-label={`Messages in ${room.name}`} aria-live="polite">
        {list.length === 0 ? <li className="muted">No messages yet. Say hello.</li> : null}
        {list.map((message) => (
          <li
            key={message.id}
            className={`chat__message${message.status === "pending" ? " chat__message--pending" : ""}`}
            data-message-id={message.id}
          >
            <p className="chat__meta">
              <strong>{message.authorName}</strong> <DateTime value={message.createdAt} />
              {message.status === "pending" ? <span className="badge">pending review</span> : null}
            </p>
            <p className="chat__body">{message.body}</p>
          </li>
        ))}
      </ol>
      {props.latestHref ? (
        <p>
          <Link to={props.latestHref}>Back to the latest messages</Link>
        </p>
      ) : null}
      <ChatCompose
        target={`${props.action}?room=${room.id}`}
        returnTo={props.returnTo}
        signedIn={props.signedIn}
        unverified={props.unverified}
        refusal={props.refusal}
        botDone={props.botDone}
      />
    </section>
  );
}
