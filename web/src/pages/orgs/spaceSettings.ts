import { ApiError } from '../../api/errors';
import type { PathLayout, Space, SpaceChange } from '../../api/org-types';
import { quotaFromBytes, quotaToBytes, type QuotaState } from '../admin/quota';

/** The layout example of src/core/layout.ts, as the settings form offers it. */
export const LAYOUT_EXAMPLE = `{
  "pattern": "{system}/{objectType}/{objectId}/{file}",
  "values": {
    "system": ["workspace", "accounting"],
    "objectType": { "by": "system", "values": { "accounting": ["receipt", "invoice"] } },
    "objectId": { "regex": "^[A-Za-z0-9-]{1,64}$" }
  }
}`;

/** What the settings form holds while someone edits it; numbers stay text so half-typed ones survive. */
export interface SettingsForm {
  quota: QuotaState;
  /** Days; empty for the instance's default. */
  retention: string;
  timestampNames: boolean;
  /** What may be shared from the space (its organisation's owners and admins set it). */
  sharePolicy: Space['share_policy'];
  /** The layout as JSON; empty for none. */
  layout: string;
}

export type SettingsField = 'quota' | 'retention' | 'layout';
export type SettingsProblems = Partial<Record<SettingsField, string>>;

export function settingsForm(space: Space): SettingsForm {
  return {
    quota: quotaFromBytes(space.quota_bytes),
    retention: space.trash_retention_days === null ? '' : String(space.trash_retention_days),
    timestampNames: space.timestamp_names,
    sharePolicy: space.share_policy,
    layout: space.layout ? JSON.stringify(space.layout, null, 2) : '',
  };
}

type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

/**
 * The layout typed in: null for none. Only its JSON and its outline (an object with a pattern)
 * are checked here; what the pattern and values mean is the server's to judge, with a 400 that
 * says what is wrong.
 */
export function parseLayoutText(text: string): Parsed<PathLayout | null> {
  if (text.trim() === '') return { ok: true, value: null };
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    return { ok: false, error: `This is not valid JSON: ${err instanceof Error ? err.message : String(err)}` };
  }
  if (!isLayoutOutline(raw)) return { ok: false, error: 'A layout is a JSON object with a "pattern" and, optionally, "values"' };
  return { ok: true, value: raw };
}

function isLayoutOutline(raw: unknown): raw is PathLayout {
  return typeof raw === 'object' && raw !== null && !Array.isArray(raw) && typeof (raw as { pattern?: unknown }).pattern === 'string';
}

function parseRetention(text: string): Parsed<number | null> {
  const t = text.trim();
  if (t === '') return { ok: true, value: null };
  if (!/^\d+$/.test(t) || Number(t) > 36_500) return { ok: false, error: 'Enter a whole number of days up to 36500, 0 to keep items until the trash is emptied, or leave it empty' };
  return { ok: true, value: Number(t) };
}

/**
 * The change to send: only what differs from the space as it is (a space's managers may not set
 * its quota, so an untouched quota is never sent), or what is wrong with the form.
 */
export function settingsChange(form: SettingsForm, space: Space, canSetQuota: boolean): { ok: true; change: SpaceChange } | { ok: false; problems: SettingsProblems } {
  const problems: SettingsProblems = {};
  const change: SpaceChange = {};
  if (canSetQuota) {
    const quota = quotaToBytes(form.quota);
    if (!quota.ok) problems.quota = quota.error;
    else if ((quota.bytes ?? null) !== space.quota_bytes) change.quota_bytes = quota.bytes ?? null;
  }
  const retention = parseRetention(form.retention);
  if (!retention.ok) problems.retention = retention.error;
  else if (retention.value !== space.trash_retention_days) change.trash_retention_days = retention.value;
  if (form.timestampNames !== space.timestamp_names) change.timestamp_names = form.timestampNames;
  if (canSetQuota && form.sharePolicy !== space.share_policy) change.share_policy = form.sharePolicy;
  const layout = parseLayoutText(form.layout);
  if (!layout.ok) problems.layout = layout.error;
  else if (JSON.stringify(layout.value) !== JSON.stringify(space.layout)) change.layout = layout.value;
  return Object.keys(problems).length > 0 ? { ok: false, problems } : { ok: true, change };
}

const FIELD_OF_PATH: Record<string, SettingsField> = { layout: 'layout', trash_retention_days: 'retention', quota_bytes: 'quota' };

/**
 * Which field a refusal of `change` belongs to, so its message shows next to it; null for the
 * form as a whole. A schema refusal names its JSON path; the server's own checks of a layout
 * (its pattern, its values) do not, but the form checks everything else before sending.
 */
export function fieldOfRefusal(err: unknown, change: SpaceChange): SettingsField | null {
  if (!(err instanceof ApiError) || err.status !== 400) return null;
  const issues = err.problem.errors;
  if (Array.isArray(issues)) {
    for (const issue of issues as unknown[]) {
      const path = typeof issue === 'object' && issue !== null ? (issue as { path?: unknown }).path : undefined;
      const key = typeof path === 'string' ? path.split('/')[1] : undefined;
      const field = key === undefined ? undefined : FIELD_OF_PATH[key];
      if (field) return field;
    }
  }
  return change.layout !== undefined ? 'layout' : null;
}
