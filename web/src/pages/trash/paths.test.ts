import { describe, expect, it } from 'vitest';
import { folderOf } from './paths';

describe('folderOf', () => {
  it('gives the parent folder of an original path', () => {
    expect(folderOf('/Docs/Reports/q1.pdf')).toBe('/Docs/Reports');
    expect(folderOf('/a.txt')).toBe('/');
    expect(folderOf('/Docs/Old/')).toBe('/Docs');
    expect(folderOf(null)).toBe('/');
  });
});
