import { describe, expect, it } from 'vitest';
import { makeUser } from './test-utils';
import { editFormOf, userPatch } from './userPatch';

const GB = 1024 ** 3;

describe('userPatch', () => {
  it('is empty when nothing changed, even for an odd quota', () => {
    const user = makeUser(1, { quota_bytes: 5 * GB + 123 });
    expect(userPatch(user, editFormOf(user))).toEqual({ ok: true, patch: {} });
  });

  it('holds only the changed fields', () => {
    const user = makeUser(1);
    const form = { ...editFormOf(user), email: '  ', role: 'admin' as const, quota: { unlimited: true, amount: '', unit: 'GB' as const }, password: 'new secret' };
    expect(userPatch(user, form)).toEqual({ ok: true, patch: { email: null, role: 'admin', quota_bytes: null, password: 'new secret' } });
  });

  it('refuses an empty display name and a cleared quota', () => {
    const user = makeUser(1);
    const form = { ...editFormOf(user), displayName: ' ', quota: { unlimited: false, amount: '', unit: 'GB' as const } };
    expect(userPatch(user, form)).toEqual({ ok: false, problems: { displayName: 'Enter a display name', quota: 'Enter a quota, or choose Unlimited' } });
  });
});
