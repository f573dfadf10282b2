import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { useState } from 'react';
import { describe, expect, it } from 'vitest';
import { quotaFromBytes, quotaToBytes, type QuotaState } from './quota';
import { QuotaInput } from './QuotaInput';

const MB = 1024 ** 2;
const GB = 1024 ** 3;
const TB = 1024 ** 4;

describe('quota conversions', () => {
  it('shows a stored quota in the largest unit that reads cleanly', () => {
    expect(quotaFromBytes(5 * GB)).toEqual({ unlimited: false, amount: '5', unit: 'GB' });
    expect(quotaFromBytes(1.5 * TB)).toEqual({ unlimited: false, amount: '1.5', unit: 'TB' });
    expect(quotaFromBytes(2 * TB)).toEqual({ unlimited: false, amount: '2', unit: 'TB' });
    expect(quotaFromBytes(500 * MB)).toEqual({ unlimited: false, amount: '500', unit: 'MB' });
    expect(quotaFromBytes(1536 * MB)).toEqual({ unlimited: false, amount: '1.5', unit: 'GB' });
    expect(quotaFromBytes(0)).toEqual({ unlimited: false, amount: '0', unit: 'GB' });
  });

  it('treats null as unlimited and undefined as not set', () => {
    expect(quotaFromBytes(null)).toMatchObject({ unlimited: true });
    expect(quotaFromBytes(undefined)).toEqual({ unlimited: false, amount: '', unit: 'GB' });
  });

  it('turns amounts and units into bytes', () => {
    expect(quotaToBytes({ unlimited: false, amount: '2', unit: 'GB' })).toEqual({ ok: true, bytes: 2 * GB });
    expect(quotaToBytes({ unlimited: false, amount: '1.5', unit: 'TB' })).toEqual({ ok: true, bytes: 1.5 * TB });
    expect(quotaToBytes({ unlimited: false, amount: ' 750 ', unit: 'MB' })).toEqual({ ok: true, bytes: 750 * MB });
    expect(quotaToBytes({ unlimited: false, amount: '0', unit: 'MB' })).toEqual({ ok: true, bytes: 0 });
  });

  it('gives null for unlimited whatever the amount, and undefined for an empty amount', () => {
    expect(quotaToBytes({ unlimited: true, amount: '12', unit: 'GB' })).toEqual({ ok: true, bytes: null });
    expect(quotaToBytes({ unlimited: false, amount: '  ', unit: 'GB' })).toEqual({ ok: true, bytes: undefined });
  });

  it('refuses negative, unreadable and absurdly large amounts', () => {
    expect(quotaToBytes({ unlimited: false, amount: '-1', unit: 'GB' })).toMatchObject({ ok: false });
    expect(quotaToBytes({ unlimited: false, amount: 'abc', unit: 'GB' })).toMatchObject({ ok: false });
    expect(quotaToBytes({ unlimited: false, amount: '1e9', unit: 'TB' })).toMatchObject({ ok: false, error: expect.stringContaining('too large') });
  });

  it('round-trips odd byte counts exactly, so saving unchanged changes nothing', () => {
    for (const bytes of [1, 1000, 1_234_567, 5 * GB + 1, 3 * TB + 12_345, 123_456_789_012]) {
      expect(quotaToBytes(quotaFromBytes(bytes))).toEqual({ ok: true, bytes });
    }
  });
});

function Harness({ initial }: { initial: QuotaState }) {
  const [value, setValue] = useState(initial);
  const bytes = quotaToBytes(value);
  return (
    <>
      <QuotaInput value={value} onChange={setValue} hint="Per account" />
      <output data-testid="bytes">{bytes.ok ? String(bytes.bytes) : bytes.error}</output>
    </>
  );
}

describe('QuotaInput', () => {
  it('is labelled and reports the amount in bytes with the chosen unit', async () => {
    const user = userEvent.setup();
    render(<Harness initial={quotaFromBytes(undefined)} />);
    const amount = screen.getByLabelText('Quota');
    expect(amount).toHaveAttribute('type', 'number');
    expect(amount).toHaveAccessibleDescription('Per account');
    await user.type(amount, '3');
    expect(screen.getByTestId('bytes')).toHaveTextContent(String(3 * GB));
    await user.selectOptions(screen.getByLabelText('Quota unit'), 'TB');
    expect(screen.getByTestId('bytes')).toHaveTextContent(String(3 * TB));
    await user.selectOptions(screen.getByLabelText('Quota unit'), 'MB');
    expect(screen.getByTestId('bytes')).toHaveTextContent(String(3 * MB));
  });

  it('disables the amount and unit while unlimited, and brings the amount back after', async () => {
    const user = userEvent.setup();
    render(<Harness initial={quotaFromBytes(20 * GB)} />);
    expect(screen.getByLabelText('Quota')).toHaveValue(20);
    await user.click(screen.getByLabelText('Unlimited'));
    expect(screen.getByLabelText('Quota')).toBeDisabled();
    expect(screen.getByLabelText('Quota unit')).toBeDisabled();
    expect(screen.getByTestId('bytes')).toHaveTextContent('null');
    await user.click(screen.getByLabelText('Unlimited'));
    expect(screen.getByLabelText('Quota')).toHaveValue(20);
    expect(screen.getByTestId('bytes')).toHaveTextContent(String(20 * GB));
  });

  it('marks the amount invalid and says why', () => {
    render(<QuotaInput value={{ unlimited: false, amount: '-2', unit: 'GB' }} onChange={() => undefined} error="Enter a quota of 0 or more" />);
    expect(screen.getByLabelText('Quota')).toHaveAttribute('aria-invalid', 'true');
    expect(screen.getByLabelText('Quota')).toHaveAccessibleDescription('Enter a quota of 0 or more');
  });
});
