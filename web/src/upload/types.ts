/** One file picked or dropped, with where it sits in the picked tree ("album/2024/a.jpg"). */
export interface PickedFile {
  file: File;
  /** Path relative to the upload target, using "/"; the file's own name for a lone file. */
  relativePath: string;
}

/** What to do with a file whose name is taken: a new version of the one there, a second file under a free name, or nothing. */
export type ConflictChoice = 'replace' | 'keep' | 'skip';

export interface EnqueueOptions {
  /** Replace the file of the same name with a new version, without asking. */
  overwrite?: boolean;
  /** Relative paths already taken in the target, and by what: these wait for the person to choose. */
  conflicts?: ReadonlyMap<string, 'file' | 'folder'>;
  /** The target folder's name, for the question about a taken name. */
  folderName?: string;
}

/** What the rest of the app asks of the upload manager. */
export interface UploadApi {
  /**
   * Queue files for upload into the folder `parentId` ("root" for the top), keeping their
   * relative paths; returns the ids of their rows.
   */
  enqueue: (parentId: string, files: PickedFile[], options?: EnqueueOptions) => number[];
}
