import type { FileNode } from '../api/types';
import type { PickedFile } from './types';

export type Existing = 'file' | 'folder';

export interface ConflictLookup {
  /** The target folder's items as the app already has them; listed through `list` when missing. */
  known?: readonly FileNode[];
  /** Every child of a folder. */
  list: (folderId: string) => Promise<readonly FileNode[]>;
  /** Folders listed at once, so a deep tree does not send hundreds of requests together. */
  concurrency?: number;
}

/** The path's segments as the server reads them: split on "/", empty ones dropped, names in NFC. */
function segmentsOf(path: string): string[] {
  return path
    .split('/')
    .filter((s) => s.length > 0)
    .map((s) => s.normalize('NFC'));
}

/** Runs `task` over `inputs` with at most `limit` running at once. */
async function eachLimited<T>(inputs: readonly T[], limit: number, task: (input: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < inputs.length) await task(inputs[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, inputs.length) }, worker));
}

/**
 * Which picked files would land on a name that is already taken in the folder `parentId`, and by
 * what: the relative paths the server would otherwise store under a free name ("a (1).txt").
 * Only folders that exist on both sides are listed, level by level, so uploading a new folder
 * costs no request and re-uploading one costs a listing per folder it has in common.
 */
export async function findConflicts(parentId: string, files: readonly PickedFile[], lookup: ConflictLookup): Promise<Map<string, Existing>> {
  const conflicts = new Map<string, Existing>();
  // Each picked folder ("album/2024") with the files directly in it, by their names.
  const dirs = new Map<string, { segments: string[]; files: Map<string, string> }>();
  for (const picked of files) {
    const segments = segmentsOf(picked.relativePath);
    const name = segments.pop();
    if (name === undefined) continue;
    const key = segments.join('/');
    let dir = dirs.get(key);
    if (!dir) dirs.set(key, (dir = { segments, files: new Map() }));
    dir.files.set(name, picked.relativePath);
  }
  // Picked folders that exist, with their listings; a folder is looked at once its parent's turn came.
  const listings = new Map<string, readonly FileNode[]>([['', lookup.known ?? (await lookup.list(parentId))]]);
  const depth = Math.max(0, ...[...dirs.values()].map((d) => d.segments.length));
  for (let level = 1; level <= depth; level++) {
    const wanted = new Set<string>();
    for (const { segments } of dirs.values()) if (segments.length >= level) wanted.add(segments.slice(0, level).join('/'));
    const existing: { key: string; id: string }[] = [];
    for (const key of wanted) {
      const slash = key.lastIndexOf('/');
      const parent = listings.get(slash < 0 ? '' : key.slice(0, slash));
      const name = key.slice(slash + 1);
      // A file in the way is no name to ask about: the server refuses that upload with its reason.
      const folder = parent?.find((n) => n.kind === 'folder' && n.name.normalize('NFC') === name);
      if (folder) existing.push({ key, id: folder.id });
    }
    await eachLimited(existing, lookup.concurrency ?? 4, async ({ key, id }) => {
      listings.set(key, await lookup.list(id));
    });
  }
  for (const [key, dir] of dirs) {
    const items = listings.get(key);
    if (!items) continue;
    for (const node of items) {
      const path = dir.files.get(node.name.normalize('NFC'));
      if (path !== undefined) conflicts.set(path, node.kind);
    }
  }
  return conflicts;
}
