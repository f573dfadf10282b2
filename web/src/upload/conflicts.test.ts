import { describe, expect, it, vi } from 'vitest';
import type { FileNode } from '../api/types';
import { findConflicts } from './conflicts';

const node = (id: string, name: string, kind: 'file' | 'folder' = 'file') => ({ id, name, kind }) as FileNode;
const picked = (relativePath: string) => ({ file: new File(['x'], relativePath.split('/').pop()!), relativePath });

describe('findConflicts', () => {
  it('finds taken names in the folder the app already lists, without asking the server', async () => {
    const list = vi.fn();
    const known = [node('1', 'a.txt'), node('2', 'photos', 'folder'), node('3', 'B.txt')];
    const found = await findConflicts('p', [picked('a.txt'), picked('b.txt'), picked('photos'), picked('new.txt')], { known, list });
    // Names compare exactly, as the server does: "b.txt" is free next to "B.txt".
    expect(found).toEqual(
      new Map([
        ['a.txt', 'file'],
        ['photos', 'folder'],
      ]),
    );
    expect(list).not.toHaveBeenCalled();
  });

  it('lists only the picked folders that exist, level by level, for a folder uploaded again', async () => {
    const listings: Record<string, FileNode[]> = {
      p: [node('album', 'album', 'folder'), node('x', 'other.txt')],
      album: [node('a1', 'a.jpg'), node('y2024', '2024', 'folder'), node('notes', 'notes', 'folder')],
      y2024: [node('b1', 'b.jpg')],
    };
    const list = vi.fn(async (id: string) => listings[id] ?? []);
    const files = [picked('album/a.jpg'), picked('album/new.jpg'), picked('album/2024/b.jpg'), picked('album/2024/c.jpg'), picked('album/2025/d.jpg'), picked('album/notes')];
    const found = await findConflicts('p', files, { list });
    expect(found).toEqual(
      new Map([
        ['album/a.jpg', 'file'],
        ['album/2024/b.jpg', 'file'],
        ['album/notes', 'folder'],
      ]),
    );
    // The target, then album, then 2024: the missing 2025 costs nothing.
    expect(list.mock.calls.map(([id]) => id)).toEqual(['p', 'album', 'y2024']);
  });

  it('costs no request for a folder that is new here', async () => {
    const list = vi.fn();
    const found = await findConflicts('p', [picked('trip/a.jpg'), picked('trip/day1/b.jpg')], { known: [node('1', 'a.jpg')], list });
    expect(found.size).toBe(0);
    expect(list).not.toHaveBeenCalled();
  });

  it('leaves a file standing where a folder is needed to the server, which refuses it with its reason', async () => {
    const list = vi.fn();
    const found = await findConflicts('p', [picked('album/a.jpg')], { known: [node('1', 'album')], list });
    expect(found.size).toBe(0);
    expect(list).not.toHaveBeenCalled();
  });
});
