import { describe, expect, it } from 'vitest';
import type { AuditEntry } from '../src/repositories/audit.repository.js';
import { StandaloneAuditWriter } from '../src/services/standalone-audit-writer.js';

const entry = (path: string): AuditEntry => ({ actorId: null, actorName: null, ip: null, userAgent: null, result: 'success', action: 'file.download', path });

describe('StandaloneAuditWriter', () => {
  it('writes the first event at once and those arriving meanwhile together, each caller waiting for its own', async () => {
    const calls: string[][] = [];
    let release!: () => void;
    const firstWrite = new Promise<void>((r) => (release = r));
    const poked: string[][] = [];
    const writer = new StandaloneAuditWriter(
      async (entries) => {
        calls.push(entries.map((e) => e.path!));
        if (calls.length === 1) await firstWrite;
        return ['chain-a'];
      },
      (chains) => poked.push(chains),
    );
    const settled: string[] = [];
    const first = writer.append(entry('/1')).then(() => settled.push('/1'));
    const rest = ['/2', '/3', '/4'].map((p) => writer.append(entry(p)).then(() => settled.push(p)));
    await new Promise((r) => setTimeout(r, 10));
    // The first write is still in flight: nobody is told their event is stored yet.
    expect(calls).toEqual([['/1']]);
    expect(settled).toEqual([]);
    release();
    await Promise.all([first, ...rest]);
    expect(calls).toEqual([['/1'], ['/2', '/3', '/4']]);
    expect(settled.sort()).toEqual(['/1', '/2', '/3', '/4']);
    expect(poked).toEqual([['chain-a'], ['chain-a']]);
    await writer.idle();
  });

  it('retries a failed batch event by event, so one bad event fails only its own caller', async () => {
    let hold!: () => void;
    const gate = new Promise<void>((r) => (hold = r));
    const stored: string[] = [];
    let n = 0;
    const writer = new StandaloneAuditWriter(
      async (entries) => {
        if (n++ === 0) await gate;
        if (entries.some((e) => e.path === '/bad')) throw new Error('refused');
        stored.push(...entries.map((e) => e.path!));
        return [];
      },
      () => undefined,
    );
    const first = writer.append(entry('/first'));
    const good = writer.append(entry('/good'));
    const bad = writer.append(entry('/bad'));
    const also = writer.append(entry('/also-good'));
    hold();
    await expect(first).resolves.toBeUndefined();
    await expect(good).resolves.toBeUndefined();
    await expect(bad).rejects.toThrow('refused');
    await expect(also).resolves.toBeUndefined();
    expect(stored.sort()).toEqual(['/also-good', '/first', '/good']);
  });
});
