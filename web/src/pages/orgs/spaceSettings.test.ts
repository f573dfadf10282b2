import { describe, expect, it } from 'vitest';
import { ApiError } from '../../api/errors';
import type { Space } from '../../api/org-types';
import { fieldOfRefusal, LAYOUT_EXAMPLE, parseLayoutText, settingsChange, settingsForm } from './spaceSettings';

const space: Space = {
  id: 's1',
  kind: 'organization',
  name: 'Catalogue',
  org: { id: 'o1', slug: 'press', name: 'Press' },
  my_role: 'manager',
  root_folder_id: 'r1',
  quota_bytes: 10 * 1024 ** 3,
  used_bytes: 0,
  trash_retention_days: null,
  layout: null,
  timestamp_names: false,
  support_access: null,
  share_policy: 'all',
  created_at: '2026-01-01T00:00:00.000Z',
};

describe('space settings form', () => {
  it('starts from the space and sends nothing when nothing changed', () => {
    const form = settingsForm(space);
    expect(form).toEqual({ quota: { unlimited: false, amount: '10', unit: 'GB' }, retention: '', timestampNames: false, sharePolicy: 'all', layout: '' });
    expect(settingsChange(form, space, true)).toEqual({ ok: true, change: {} });
    // The sharing policy is the organisation admins' to change, like the quota.
    expect(settingsChange({ ...form, sharePolicy: 'people' }, space, true)).toEqual({ ok: true, change: { share_policy: 'people' } });
    expect(settingsChange({ ...form, sharePolicy: 'people' }, space, false)).toEqual({ ok: true, change: {} });
  });

  it('sends only what changed: retention 0 keeps until emptied, empty is the default, the layout as an object', () => {
    const form = { ...settingsForm(space), retention: '0', timestampNames: true, layout: LAYOUT_EXAMPLE };
    const result = settingsChange(form, space, false);
    expect(result).toEqual({ ok: true, change: { trash_retention_days: 0, timestamp_names: true, layout: JSON.parse(LAYOUT_EXAMPLE) } });
    const back = settingsChange({ ...settingsForm({ ...space, trash_retention_days: 7, layout: { pattern: '**' } }), retention: '', layout: ' ' }, { ...space, trash_retention_days: 7, layout: { pattern: '**' } }, false);
    expect(back).toEqual({ ok: true, change: { trash_retention_days: null, layout: null } });
  });

  it('leaves the quota alone for a manager and sends unlimited as null for an admin', () => {
    const form = { ...settingsForm(space), quota: { unlimited: true, amount: '', unit: 'GB' as const } };
    expect(settingsChange(form, space, false)).toEqual({ ok: true, change: {} });
    expect(settingsChange(form, space, true)).toEqual({ ok: true, change: { quota_bytes: null } });
  });

  it('names what is wrong with the form before sending', () => {
    const result = settingsChange({ ...settingsForm(space), retention: '1.5', layout: '{"pattern": ' }, space, true);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems.retention).toMatch(/whole number of days/);
    expect(result.problems.layout).toMatch(/^This is not valid JSON/);
    expect(parseLayoutText('["{file}"]')).toEqual({ ok: false, error: 'A layout is a JSON object with a "pattern" and, optionally, "values"' });
  });

  it('puts the server refusal of a layout next to the layout field', () => {
    const refused = new ApiError(400, { status: 400, detail: 'A layout pattern ends with {file} (files lie exactly there) or ** (anything below)' });
    expect(fieldOfRefusal(refused, { layout: { pattern: '{a}' } })).toBe('layout');
    expect(fieldOfRefusal(refused, { timestamp_names: true })).toBeNull();
    const schema = new ApiError(400, { status: 400, detail: 'bad', errors: [{ path: '/trash_retention_days', code: 'too_big', message: 'bad' }] });
    expect(fieldOfRefusal(schema, { trash_retention_days: 99_999, layout: null })).toBe('retention');
    expect(fieldOfRefusal(new ApiError(403, { status: 403, detail: 'no' }), { layout: null })).toBeNull();
  });
});
