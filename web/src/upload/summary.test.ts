import { describe, expect, it } from 'vitest';
import type { UploadState } from './manager';
import type { UploadItem, UploadTotals } from './queue';
import { announcement, rowStatus, storedPath, summary, visibleRows } from './summary';

const totals = (t: Partial<UploadTotals>): UploadTotals => ({ files: 0, done: 0, failed: 0, cancelled: 0, active: 0, queued: 0, waiting: 0, skipped: 0, bytes: 0, loaded: 0, fraction: 0, speed: 0, etaSeconds: undefined, finished: false, ...t });
const item = (id: number, status: UploadItem['status'], extra: Partial<UploadItem> = {}): UploadItem => ({ id, parentId: 'root', relativePath: `f${id}`, size: 2048, overwrite: false, status, loaded: 0, ...extra });

describe('summary', () => {
  it('says which file of how many, the percentage, speed and time left while running', () => {
    expect(summary(totals({ files: 4, done: 1, active: 2, queued: 1, fraction: 0.25, speed: 1024, etaSeconds: 65 }))).toBe('Uploading 3 of 4 files · 25 % · 1 KB/s · 1 min 5 s left');
  });

  it('leaves speed and time out while unknown, and counts failures apart', () => {
    expect(summary(totals({ files: 5, failed: 1, cancelled: 1, active: 1, queued: 2, fraction: 0 }))).toBe('Uploading 1 of 3 files · 0 % · 1 failed');
  });

  it('says how it ended', () => {
    expect(summary(totals({ files: 50, done: 50, finished: true, fraction: 1 }))).toBe('50 uploads complete');
    expect(summary(totals({ files: 3, done: 1, failed: 1, cancelled: 1, finished: true, fraction: 1 }))).toBe('1 upload complete · 1 failed · 1 cancelled');
    expect(summary(totals({ files: 2, failed: 2, finished: true, fraction: 1 }))).toBe('2 uploads failed');
    expect(summary(totals({ files: 3, failed: 1, cancelled: 2, finished: true, fraction: 1 }))).toBe('1 upload failed · 2 cancelled');
    expect(summary(totals({ files: 0, finished: true }))).toBe('');
    expect(summary(totals({ files: 3, done: 2, skipped: 1, finished: true, fraction: 1 }))).toBe('2 uploads complete · 1 skipped');
  });

  it('says when files wait for a choice about taken names', () => {
    expect(summary(totals({ files: 4, done: 1, active: 1, waiting: 2, fraction: 0.5 }))).toBe('Uploading 2 of 4 files · 50 % · 2 waiting for your choice');
    expect(summary(totals({ files: 4, done: 2, waiting: 2, fraction: 0.5 }))).toBe('2 files waiting for your choice · 2 uploaded');
  });
});

describe('rowStatus', () => {
  it('describes each state', () => {
    expect(rowStatus(item(1, 'queued'))).toBe('Waiting · 2 KB');
    expect(rowStatus(item(1, 'uploading', { loaded: 1024 }))).toBe('1 KB of 2 KB');
    expect(rowStatus(item(1, 'done', { loaded: 2048 }))).toBe('Uploaded · 2 KB');
    expect(rowStatus(item(1, 'failed', { error: 'Connection lost' }))).toBe('Connection lost');
    expect(rowStatus(item(1, 'cancelled'))).toBe('Cancelled');
  });

  it('names what was really stored when the name was taken', () => {
    const replaced = item(1, 'done', { relativePath: 'album/a.txt', storedName: 'a.txt', replaced: true });
    expect([storedPath(replaced), rowStatus(replaced)]).toEqual(['album/a.txt', 'New version · 2 KB']);
    const kept = item(2, 'done', { relativePath: 'album/a.txt', storedName: 'a (1).txt', replaced: false });
    expect([storedPath(kept), rowStatus(kept)]).toEqual(['album/a (1).txt', 'Uploaded · 2 KB · kept both, “a.txt” stays']);
    expect(rowStatus(item(3, 'skipped'))).toBe('Skipped · not uploaded');
    expect(rowStatus(item(4, 'conflict', { conflict: { existing: 'file', canReplace: true } }))).toBe('Already exists · waiting for your choice');
    expect(rowStatus(item(5, 'conflict', { conflict: { existing: 'folder', canReplace: false } }))).toBe('A folder of this name is already there · waiting for your choice');
  });
});

describe('visibleRows', () => {
  it('puts failures and running files first and caps the rest with a count', () => {
    const items = [...Array.from({ length: 300 }, (_, i) => item(i + 1, 'done')), item(301, 'uploading'), item(302, 'failed'), item(303, 'queued')];
    const { rows, hidden } = visibleRows(items, 100);
    expect(rows).toHaveLength(100);
    expect(rows.slice(0, 3).map((r) => r.id)).toEqual([302, 301, 303]);
    expect(hidden).toBe(203);
  });
});

describe('announcement', () => {
  const state = (items: readonly UploadItem[], t: Partial<UploadTotals>): UploadState => ({ items, totals: totals({ files: items.length, ...t }), question: undefined });
  const empty: UploadState = { items: [], totals: totals({ finished: true }), question: undefined };

  it('says a batch started and how it ended', () => {
    const running = state([item(1, 'uploading'), item(2, 'queued')], { active: 1, queued: 1 });
    expect(announcement(empty, running)).toBe('Uploading 2 files');
    const ended = state([item(1, 'done'), item(2, 'done')], { done: 2, finished: true });
    expect(announcement(running, ended)).toBe('2 uploads complete');
  });

  it('names a file that just failed, with the reason, and stays quiet on mere progress', () => {
    const before = state([item(1, 'failed', { error: 'Old' }), item(2, 'uploading'), item(3, 'uploading')], { failed: 1, active: 2 });
    const after = state([item(1, 'failed', { error: 'Old' }), item(2, 'failed', { error: 'Connection lost' }), item(3, 'uploading')], { failed: 2, active: 1 });
    expect(announcement(before, after)).toBe('f2 failed: Connection lost');
    expect(announcement(after, state(after.items, { failed: 2, active: 1, loaded: 10 }))).toBe('');
  });
});
