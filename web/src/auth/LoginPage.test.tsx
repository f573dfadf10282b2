import { describe, expect, it } from 'vitest';
import { ApiError, NetworkError } from '../api/errors';
import { signInError } from './LoginPage';

describe('signInError', () => {
  it('tells wrong credentials, suspension and rate limiting apart', () => {
    expect(signInError(new ApiError(401, { status: 401, detail: 'Wrong username or password' }))).toBe('Wrong username or password.');
    expect(signInError(new ApiError(403, { status: 403, detail: 'This account is suspended; ask an administrator' }))).toBe('This account is suspended; ask an administrator');
    expect(signInError(new ApiError(429, { status: 429, detail: 'Too many', retryAfter: 42 }))).toBe('Too many attempts. Try again in 42 seconds.');
    expect(signInError(new NetworkError())).toMatch(/cannot be reached/);
  });
});
