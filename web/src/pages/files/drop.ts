import type { PickedFile } from '../../upload/types';

/**
 * The parts of the browser's File and Directory Entries API a drop needs. The DOM's own
 * FileSystemEntry types fit these shapes; tests pass plain objects.
 */
export interface EntryLike {
  name: string;
  /** "/album/2024/a.jpg": the path within the drop, with a leading slash. */
  fullPath: string;
  isFile: boolean;
  isDirectory: boolean;
}

export interface FileEntryLike extends EntryLike {
  file(success: (file: File) => void, failure?: (err: DOMException) => void): void;
}

export interface DirectoryReaderLike {
  readEntries(success: (entries: EntryLike[]) => void, failure?: (err: DOMException) => void): void;
}

export interface DirectoryEntryLike extends EntryLike {
  createReader(): DirectoryReaderLike;
}

export interface DataTransferLike {
  items?: ArrayLike<{ kind: string; webkitGetAsEntry?: () => EntryLike | null; getAsFile(): File | null }>;
  files: ArrayLike<File>;
}

const isFileEntry = (e: EntryLike): e is FileEntryLike => e.isFile && typeof (e as Partial<FileEntryLike>).file === 'function';
const isDirectoryEntry = (e: EntryLike): e is DirectoryEntryLike => e.isDirectory && typeof (e as Partial<DirectoryEntryLike>).createReader === 'function';

function relativePathOf(entry: EntryLike): string {
  const path = entry.fullPath.replace(/^\/+/, '');
  return path || entry.name;
}

const fileOf = (entry: FileEntryLike) => new Promise<File>((resolve, reject) => entry.file(resolve, reject));

/** readEntries answers in batches (Chromium: 100 at a time); it is called until it returns nothing. */
async function readAll(reader: DirectoryReaderLike): Promise<EntryLike[]> {
  const all: EntryLike[] = [];
  for (;;) {
    const batch = await new Promise<EntryLike[]>((resolve, reject) => reader.readEntries(resolve, reject));
    if (batch.length === 0) return all;
    all.push(...batch);
  }
}

/** Every file beneath an entry, with its path relative to the drop. Empty folders yield nothing. */
export async function filesOfEntry(entry: EntryLike): Promise<PickedFile[]> {
  if (isFileEntry(entry)) return [{ file: await fileOf(entry), relativePath: relativePathOf(entry) }];
  if (!isDirectoryEntry(entry)) return [];
  const picked: PickedFile[] = [];
  for (const child of await readAll(entry.createReader())) picked.push(...(await filesOfEntry(child)));
  return picked;
}

/**
 * The files of a drop, whole folder trees included. The entries are taken before the first
 * await: the browser empties a DataTransfer once the drop event handler returns.
 */
export function pickedFilesFromDrop(dt: DataTransferLike): Promise<PickedFile[]> {
  const entries: EntryLike[] = [];
  const loose: File[] = [];
  const items = dt.items ? Array.from(dt.items) : [];
  for (const item of items) {
    if (item.kind !== 'file') continue;
    const entry = item.webkitGetAsEntry?.() ?? null;
    if (entry) entries.push(entry);
    else {
      const file = item.getAsFile();
      if (file) loose.push(file);
    }
  }
  // No items API at all (old browsers): the flat file list is all there is.
  if (items.length === 0) loose.push(...Array.from(dt.files));
  return (async () => {
    const picked: PickedFile[] = loose.map((file) => ({ file, relativePath: file.name }));
    for (const entry of entries) picked.push(...(await filesOfEntry(entry)));
    return picked;
  })();
}

/** Files from an <input type="file">: a folder pick gives each its path under the chosen folder. */
export function pickedFilesFromInput(files: FileList | readonly File[]): PickedFile[] {
  return Array.from(files, (file) => ({ file, relativePath: file.webkitRelativePath || file.name }));
}

/** Whether a drag carries files (and not, say, selected text or a link). */
export function dragHasFiles(dt: { types: readonly string[] | DOMStringList } | null): boolean {
  if (!dt) return false;
  return Array.from(dt.types as ArrayLike<string>).includes('Files');
}
