import { STATUS_CODES } from 'node:http';

/**
 * A protocol-level failure: the status to answer with, a message for people and, where RFC 4918
 * defines one, the precondition element to put in the `<d:error>` body (e.g. `lock-token-submitted`).
 */
export class DavError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly condition?: { name: string; hrefs?: string[] },
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'DavError';
  }
}

/** "HTTP/1.1 424 Failed Dependency": the status element of a multistatus propstat. */
export function statusLine(status: number): string {
  return `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}`.trimEnd();
}
