// Values the server's middleware puts on every response before the app sees it.
declare global {
  namespace Express {
    interface Locals {
      requestId: string;
      cspNonce: string;
    }
  }
}
export {};
