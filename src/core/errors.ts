/**
 * Errors the core raises on purpose. Each carries the HTTP status a door should answer with
 * and a message a person can act on; doors render them (REST as RFC 9457 problem+json).
 */
export class CofferError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'CofferError';
  }
}

export const badRequest = (message: string, extra?: Record<string, unknown>) =>
  new CofferError(400, 'bad-request', message, extra);
export const invalidName = (message: string) => new CofferError(400, 'invalid-name', message);
export const unauthorized = (message = 'Authentication required') => new CofferError(401, 'unauthorized', message);
export const forbidden = (message = 'You are not allowed to do this') => new CofferError(403, 'forbidden', message);
export const notFound = (message = 'Not found') => new CofferError(404, 'not-found', message);
export const conflict = (message: string, extra?: Record<string, unknown>) =>
  new CofferError(409, 'conflict', message, extra);
export const preconditionFailed = (message: string) => new CofferError(412, 'precondition-failed', message);
export const payloadTooLarge = (message: string) => new CofferError(413, 'payload-too-large', message);
export const rangeNotSatisfiable = (size: number) =>
  new CofferError(416, 'range-not-satisfiable', `The requested range is outside the file (${size} bytes)`, { size });
export const tooManyRequests = (retryAfterSeconds: number, message: string) =>
  new CofferError(429, 'too-many-requests', message, { retryAfter: retryAfterSeconds });
export const insufficientStorage = (used: number, limit: number, needed?: number) =>
  new CofferError(
    507,
    'quota-exceeded',
    `Not enough space: ${Math.max(0, limit - used)} of ${limit} bytes left` +
      (needed !== undefined ? `, this upload needs ${needed}` : ''),
    { used, limit, available: Math.max(0, limit - used), ...(needed !== undefined ? { needed } : {}) },
  );

/** A space's sharing policy forbids this share or link (its organisation's owners and admins set it). */
export function sharingOff(message: string): CofferError {
  return new CofferError(403, 'sharing-off', `${message}; the organisation's owners and admins set what may be shared`);
}
