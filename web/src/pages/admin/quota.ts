/** Quota units as people type them; powers of 1024, matching how sizes are shown everywhere else. */
export const QUOTA_UNITS = { MB: 1024 ** 2, GB: 1024 ** 3, TB: 1024 ** 4 } as const;
export type QuotaUnit = keyof typeof QUOTA_UNITS;
const UNITS_LARGEST_FIRST: QuotaUnit[] = ['TB', 'GB', 'MB'];

/** What the quota control holds while someone edits it; the amount stays text so half-typed numbers survive. */
export interface QuotaState {
  unlimited: boolean;
  amount: string;
  unit: QuotaUnit;
}

export type QuotaBytes = { ok: true; bytes: number | null | undefined } | { ok: false; error: string };

/**
 * A stored quota as the control shows it: the largest unit that reads cleanly (1.5 TB rather than
 * 1536 GB). Units are powers of two, so bytes ÷ unit is exact and saving it unchanged gives the
 * same bytes back. `undefined` is "not set yet" (an empty amount).
 */
export function quotaFromBytes(bytes: number | null | undefined): QuotaState {
  if (bytes === null) return { unlimited: true, amount: '', unit: 'GB' };
  if (bytes === undefined) return { unlimited: false, amount: '', unit: 'GB' };
  if (bytes === 0) return { unlimited: false, amount: '0', unit: 'GB' };
  for (const unit of UNITS_LARGEST_FIRST) {
    const value = bytes / QUOTA_UNITS[unit];
    if (value >= 1 && Number.isInteger(value * 1000)) return { unlimited: false, amount: String(value), unit };
  }
  // Odd sizes (not a whole number of kilobytes' worth of a unit) keep every digit, so nothing is rounded away.
  return { unlimited: false, amount: String(bytes / QUOTA_UNITS.MB), unit: 'MB' };
}

/** Bytes for the API: null is unlimited, undefined means the amount was left empty. */
export function quotaToBytes(state: QuotaState): QuotaBytes {
  if (state.unlimited) return { ok: true, bytes: null };
  const text = state.amount.trim();
  if (text === '') return { ok: true, bytes: undefined };
  const value = Number(text);
  if (!Number.isFinite(value) || value < 0) return { ok: false, error: 'Enter a quota of 0 or more, or choose Unlimited' };
  const bytes = Math.round(value * QUOTA_UNITS[state.unit]);
  if (!Number.isSafeInteger(bytes)) return { ok: false, error: 'That quota is too large; choose Unlimited instead' };
  return { ok: true, bytes };
}
