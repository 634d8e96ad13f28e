import { useCallback, useEffect, useRef, type ReactNode } from "react";
import { useRevalidator } from "react-router";
import { EventSourceProvider, useEventSource, type EventSourceMap } from "remix-utils/sse/react";

/**
 * One EventSource per browser tab, shared by every component that listens (remix-utils'
 * `useEventSource` keeps the connection, counted by its users). `useEventSource` only keeps the
 * latest event, and React may skip intermediate states, so `useTabEvent` also attaches a listener
 * to the same shared connection and sees every event.
 */
const connections: EventSourceMap = new Map();

/** This page load's tab id: the server keys the stream by (session, tab). */
export const tabId: string = globalThis.crypto.randomUUID();

export function TabStreamProvider({ children }: { children: ReactNode }) {
  return <EventSourceProvider value={connections}>{children}</EventSourceProvider>;
}

export function useTabEvent(url: string | undefined, event: string, onEvent: (data: string) => void): void {
  useEventSource(url ?? "/events", { event, enabled: url !== undefined });
  const handler = useRef(onEvent);
  useEffect(() => {
    handler.current = onEvent;
  });
  useEffect(() => {
    if (!url) return undefined;
    const href = new URL(url, window.location.href).href;
    const source = [...connections.values()].find((entry) => entry.source.url === href)?.source;
    if (!source) return undefined;
    const listener = (message: MessageEvent<string>) => handler.current(message.data);
    source.addEventListener(event, listener);
    return () => source.removeEventListener(event, listener);
  }, [url, event]);
}

/**
 * The `session` event: who is signed in changed (a sign-in or sign-out in another tab, a session
 * revoked elsewhere). The page loads its data again, so the header and the lab's panels show it.
 */
export function useSessionRefresh(url: string | undefined): void {
  const revalidator = useRevalidator();
  const refresh = useCallback(() => void revalidator.revalidate(), [revalidator]);
  useTabEvent(url, "session", refresh);
}
