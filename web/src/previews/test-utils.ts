import { vi } from 'vitest';

/** jsdom has no object URLs: numbered blob: addresses, with a record of the ones revoked. */
export function fakeObjectUrls() {
  let n = 0;
  const revoked: string[] = [];
  const created = new Map<string, Blob>();
  const saved = { create: URL.createObjectURL, revoke: URL.revokeObjectURL };
  Object.defineProperty(URL, 'createObjectURL', {
    configurable: true,
    writable: true,
    value: vi.fn((blob: Blob) => {
      const url = `blob:http://localhost/${++n}`;
      created.set(url, blob);
      return url;
    }),
  });
  Object.defineProperty(URL, 'revokeObjectURL', { configurable: true, writable: true, value: vi.fn((url: string) => revoked.push(url)) });
  return {
    created,
    revoked,
    restore() {
      Object.defineProperty(URL, 'createObjectURL', { configurable: true, writable: true, value: saved.create });
      Object.defineProperty(URL, 'revokeObjectURL', { configurable: true, writable: true, value: saved.revoke });
    },
  };
}

export const webp = () => new Blob([new Uint8Array([82, 73, 70, 70])], { type: 'image/webp' });
