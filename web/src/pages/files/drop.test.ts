import { describe, expect, it } from 'vitest';
import { dragHasFiles, pickedFilesFromDrop, pickedFilesFromInput, type DirectoryEntryLike, type EntryLike, type FileEntryLike } from './drop';

function fileEntry(fullPath: string, content = 'x'): FileEntryLike {
  const name = fullPath.slice(fullPath.lastIndexOf('/') + 1);
  return { name, fullPath, isFile: true, isDirectory: false, file: (ok) => queueMicrotask(() => ok(new File([content], name))) };
}

/** A folder whose reader answers in batches of `batch`, then an empty array, like Chromium's. */
function dirEntry(fullPath: string, children: EntryLike[], batch = 2): DirectoryEntryLike & { reads: number } {
  const entry = {
    name: fullPath.slice(fullPath.lastIndexOf('/') + 1),
    fullPath,
    isFile: false,
    isDirectory: true,
    reads: 0,
    createReader: () => {
      let next = 0;
      return {
        readEntries: (ok: (entries: EntryLike[]) => void) => {
          entry.reads++;
          const page = children.slice(next, next + batch);
          next += page.length;
          setTimeout(() => ok(page), 0);
        },
      };
    },
  };
  return entry;
}

const item = (entry: EntryLike | null, file: File | null = null) => ({ kind: 'file', webkitGetAsEntry: () => entry, getAsFile: () => file });

describe('pickedFilesFromDrop', () => {
  it('walks folder trees, reading each folder until the reader returns nothing', async () => {
    const year = dirEntry('/album/2024', [fileEntry('/album/2024/a.jpg'), fileEntry('/album/2024/b.jpg'), fileEntry('/album/2024/c.jpg')]);
    const album = dirEntry('/album', [year, fileEntry('/album/cover.png'), dirEntry('/album/empty', [])]);
    const picked = await pickedFilesFromDrop({ items: [item(album), item(fileEntry('/notes.txt', 'hello'))], files: [] });

    expect(picked.map((p) => p.relativePath).sort()).toEqual(['album/2024/a.jpg', 'album/2024/b.jpg', 'album/2024/c.jpg', 'album/cover.png', 'notes.txt']);
    // Three entries in batches of two: two full reads and the empty one that ends it.
    expect(year.reads).toBe(3);
    const notes = picked.find((p) => p.relativePath === 'notes.txt')!;
    expect(notes.file.name).toBe('notes.txt');
    expect(notes.file.size).toBe(5);
  });

  it('keeps hidden files: the app hides them, but WebDAV clients need them stored', async () => {
    const picked = await pickedFilesFromDrop({ items: [item(dirEntry('/d', [fileEntry('/d/.DS_Store'), fileEntry('/d/._a')]))], files: [] });
    expect(picked.map((p) => p.relativePath).sort()).toEqual(['d/.DS_Store', 'd/._a']);
  });

  it('takes every entry before the first await, as the browser empties the DataTransfer after the event', async () => {
    let live = true;
    const entry = fileEntry('/late.txt');
    const items = [{ kind: 'file', webkitGetAsEntry: () => (live ? entry : null), getAsFile: () => null }];
    const pending = pickedFilesFromDrop({ items, files: [] });
    live = false;
    expect((await pending).map((p) => p.relativePath)).toEqual(['late.txt']);
  });

  it('skips non-file items and falls back to getAsFile or the flat file list', async () => {
    const loose = new File(['1'], 'loose.bin');
    const text = { kind: 'string', webkitGetAsEntry: () => null, getAsFile: () => null };
    expect((await pickedFilesFromDrop({ items: [text, item(null, loose)], files: [] })).map((p) => p.relativePath)).toEqual(['loose.bin']);
    expect((await pickedFilesFromDrop({ files: [loose] })).map((p) => p.relativePath)).toEqual(['loose.bin']);
  });

  it('reports a folder that cannot be read', async () => {
    const broken: DirectoryEntryLike = {
      name: 'locked',
      fullPath: '/locked',
      isFile: false,
      isDirectory: true,
      createReader: () => ({ readEntries: (_ok, fail) => fail?.(new DOMException('denied', 'NotReadableError')) }),
    };
    await expect(pickedFilesFromDrop({ items: [item(broken)], files: [] })).rejects.toThrow('denied');
  });
});

describe('pickedFilesFromInput', () => {
  it('uses the path under the picked folder, or the name for single files', () => {
    const inFolder = new File(['a'], 'a.txt');
    Object.defineProperty(inFolder, 'webkitRelativePath', { value: 'trip/day1/a.txt' });
    const single = new File(['b'], 'b.txt');
    expect(pickedFilesFromInput([inFolder, single]).map((p) => p.relativePath)).toEqual(['trip/day1/a.txt', 'b.txt']);
  });
});

describe('dragHasFiles', () => {
  it('tells file drags from text drags', () => {
    expect(dragHasFiles({ types: ['Files'] })).toBe(true);
    expect(dragHasFiles({ types: ['text/plain'] })).toBe(false);
    expect(dragHasFiles(null)).toBe(false);
  });
});
