// Values the server's middleware puts on every response before the app sees it.
declare global {
  namespace Express {
    interface Locals {
      requestId: string;
      cspNonce: string;
      /** The anonymous visitor cookie's id (server/http/visitor.ts). */
      visitorId: string;
      /** Whether the request came with that cookie (else it was issued just now). */
      returningVisitor: boolean;
    }
  }
}
export {};
