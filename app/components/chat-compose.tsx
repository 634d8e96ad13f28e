import { useRef, useState, type FormEvent } from "react";
import { Form, Link, useFetcher } from "react-router";
import { MAX_BODY_LENGTH } from "#app/models/chat.ts";
import { Notice } from "./notice.tsx";

/** The chat action's answer when it refuses a message (400, 429): why, and the text it was sent. */
export interface ChatRefusal {
  readonly formError?: string;
  readonly bodyError?: string;
  readonly body?: string;
}

/**
 * Where the chat's forms come back to without JavaScript (the fragment survives the 303): the
 * notices and the box, with the newest messages just above them (see `.chat__compose`).
 */
const COMPOSE_ID = "chat-compose";

/**
 * The chat's outcome notices, the post form (members) and the demo bot's button. Without
 * JavaScript both forms post and the page comes back (303) to this block. With JavaScript a message
 * is posted in the background: the box empties as it is sent, so what is typed meanwhile is kept;
 * Send waits ("Sending…") until the answer, so nothing goes twice; a refused message comes back
 * into the box if the box is still empty, or is offered back beside what was typed since.
 */
export function ChatCompose(props: {
  /** Where the forms post: the room's chat page. */
  readonly target: string;
  /** Where the forms come back to after posting (the lab's panel); the room page by default. */
  readonly returnTo: string | undefined;
  readonly signedIn: boolean;
  /** Signed in, but the email address is not confirmed yet: reading only (decision 0018). */
  readonly unverified?: boolean;
  /** The refusal the page was rendered with (without JavaScript, or a refused demo bot). */
  readonly refusal: ChatRefusal | undefined;
  readonly botDone: boolean;
}) {
  const post = useChatPost(props.target, props.refusal?.body);
  // While a message is on its way, the last refusal no longer applies.
  const refusal = post.sending ? undefined : (post.refusal ?? props.refusal);
  const returnTo = props.returnTo ? <input type="hidden" name="next" value={props.returnTo} /> : null;
  const anchored = `${props.target}#${COMPOSE_ID}`;

  return (
    <div id={COMPOSE_ID} className="chat__compose">
      <Notice tone="success">{props.botDone ? "The demo bot posted a message." : undefined}</Notice>
      <Notice tone="error">{refusal?.formError}</Notice>
      {post.unsent ? (
        <p className="chat__unsent">
          Not sent: <q>{post.unsent}</q>{" "}
          <button type="button" className="button button--quiet" onClick={post.putBack}>
            Put it back
          </button>
        </p>
      ) : null}
      {props.signedIn && props.unverified ? (
        <p>
          Confirm your email address to post: follow the link we mailed you, or send it again from the banner at the top
          of the page.
        </p>
      ) : props.signedIn ? (
        <Form method="post" action={anchored} onSubmit={post.submit} className="stack">
          <input type="hidden" name="intent" value="post" />
          {returnTo}
          <div className="field">
            <label htmlFor="chat-body">Message</label>
            <textarea
              id="chat-body"
              name="body"
              rows={3}
              maxLength={MAX_BODY_LENGTH}
              value={post.draft}
              onChange={(change) => post.setDraft(change.target.value)}
              required
              aria-invalid={refusal?.bodyError ? true : undefined}
              aria-describedby={refusal?.bodyError ? "chat-body-error" : undefined}
            />
            {refusal?.bodyError ? (
              <p id="chat-body-error" className="field__error">
                {refusal.bodyError}
              </p>
            ) : null}
          </div>
          <p>
            <button type="submit" className="button" disabled={post.sending}>
              {post.sending ? "Sending…" : "Send"}
            </button>
          </p>
        </Form>
      ) : (
        <p>
          <Link to={`/login?${new URLSearchParams({ next: props.target })}`}>Sign in</Link> to post. Guests can read,
          and can ask the demo bot.
        </p>
      )}
      <Form method="post" action={anchored} preventScrollReset>
        <input type="hidden" name="intent" value="bot" />
        {returnTo}
        <button type="submit" className="button button--quiet">
          Ask the demo bot to post
        </button>
      </Form>
    </div>
  );
}

/** The post form's state with JavaScript: the box, the send in flight, and what a refusal gave back. */
function useChatPost(target: string, refusedBody: string | undefined) {
  const fetcher = useFetcher<ChatRefusal>({ key: "chat-post" });
  const [draft, setDraft] = useState(refusedBody ?? "");
  const [unsent, setUnsent] = useState<string>();
  // Set at once on submit, so a second submit in the same moment (before a render) is refused too.
  const inFlight = useRef(false);
  const sending = fetcher.state !== "idle";

  // An answer arrived: a refusal's text goes back into an empty box, or is offered back (never overwriting).
  const [answered, setAnswered] = useState(fetcher.data);
  if (fetcher.data !== answered) {
    setAnswered(fetcher.data);
    const refused = fetcher.data?.body;
    if (refused && draft.trim() === "") setDraft(refused);
    else if (refused) setUnsent(refused);
  }

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (sending || inFlight.current || draft.trim() === "") return;
    const form = new FormData(event.currentTarget);
    inFlight.current = true;
    setDraft("");
    setUnsent(undefined);
    // The room's page (or the lab) comes back through the action's redirect; the view stays where it is.
    void fetcher.submit(form, { method: "post", action: target, preventScrollReset: true }).finally(() => {
      inFlight.current = false;
    });
  }

  function putBack() {
    setDraft((typed) => `${unsent ?? ""}\n${typed}`);
    setUnsent(undefined);
  }

  return { draft, setDraft, sending, submit, unsent, putBack, refusal: fetcher.data };
}
