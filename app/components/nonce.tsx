import { createContext, useContext } from "react";

/** The per-request CSP nonce, provided on the server by app/entry.server.tsx (absent in the browser). */
export const NonceContext = createContext<string | undefined>(undefined);

export function useNonce(): string | undefined {
  return useContext(NonceContext);
}
