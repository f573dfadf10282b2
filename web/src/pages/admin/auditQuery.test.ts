import { describe, expect, it } from 'vitest';
import { auditFormProblem, auditQueryFromForm, EMPTY_AUDIT_FORM } from './auditQuery';
import { auditFileName } from './download';

describe('auditQueryFromForm', () => {
  it('sends nothing for an empty form', () => {
    expect(auditQueryFromForm(EMPTY_AUDIT_FORM)).toEqual({});
  });

  it('maps every field and turns local date-times into ISO instants', () => {
    const form = { userId: 'u-1', action: 'file.upload', pathPrefix: ' /Projects ', from: '2024-05-01T08:30', to: '2024-05-02T17:00' };
    expect(auditQueryFromForm(form)).toEqual({
      user_id: 'u-1',
      action: 'file.upload',
      path_prefix: '/Projects',
      from: new Date('2024-05-01T08:30').toISOString(),
      to: new Date('2024-05-02T17:00').toISOString(),
    });
  });

  it('reads the date-time in local time (not UTC)', () => {
    const from = auditQueryFromForm({ ...EMPTY_AUDIT_FORM, from: '2024-05-01T08:30' }).from!;
    const local = new Date(from);
    expect([local.getFullYear(), local.getMonth(), local.getDate(), local.getHours(), local.getMinutes()]).toEqual([2024, 4, 1, 8, 30]);
    expect(from).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  it('leaves out blank text and unreadable dates', () => {
    expect(auditQueryFromForm({ ...EMPTY_AUDIT_FORM, action: '  ', pathPrefix: ' ', from: 'not a date' })).toEqual({});
  });
});

describe('auditFormProblem', () => {
  it('accepts an open or ordered range and refuses a reversed one', () => {
    expect(auditFormProblem({ ...EMPTY_AUDIT_FORM, from: '2024-05-01T08:00' })).toBeNull();
    expect(auditFormProblem({ ...EMPTY_AUDIT_FORM, from: '2024-05-01T08:00', to: '2024-05-01T09:00' })).toBeNull();
    expect(auditFormProblem({ ...EMPTY_AUDIT_FORM, from: '2024-05-02T08:00', to: '2024-05-01T09:00' })).toMatch(/earlier/);
  });
});

describe('auditFileName', () => {
  it('is dated with the local day', () => {
    expect(auditFileName(new Date(2024, 0, 5, 23, 59))).toBe('coffer-audit-2024-01-05.csv');
  });
});
