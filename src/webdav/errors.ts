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

export const davStatusText: Record<number, string> = {
  200: 'OK',
  201: 'Created',
  204: 'No Content',
  207: 'Multi-Status',
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  412: 'Precondition Failed',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  423: 'Locked',
  424: 'Failed Dependency',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  507: 'Insufficient Storage',
};

export function statusLine(status: number): string {
  return `HTTP/1.1 ${status} ${davStatusText[status] ?? ''}`.trimEnd();
}
