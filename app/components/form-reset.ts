import { useEffect, useRef } from "react";

/**
 * With JavaScript, a form the server answered without moving on (a refusal) goes back to its
 * default values, as the page rendered anew without JavaScript does: what the server sent back
 * (an email, a username) is kept, passwords are emptied. Returns the form's ref.
 */
export function useResetAfterAnswer(answer: unknown) {
  const form = useRef<HTMLFormElement>(null);
  useEffect(() => {
    if (answer) form.current?.reset();
  }, [answer]);
  return form;
}
