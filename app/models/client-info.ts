/** Where a request came from, as recorded on sessions and in the audit log. */
export interface ClientInfo {
  /** The client's address (after the proxies Express was told to trust). */
  readonly ip: string;
  readonly userAgent: string | undefined;
}
