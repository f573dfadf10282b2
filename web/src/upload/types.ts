/** One file picked or dropped, with where it sits in the picked tree ("album/2024/a.jpg"). */
export interface PickedFile {
  file: File;
  /** Path relative to the upload target, using "/"; the file's own name for a lone file. */
  relativePath: string;
}

export interface EnqueueOptions {
  /** Replace the file of the same name with a new version instead of choosing a free name. */
  overwrite?: boolean;
}

/** What the rest of the app asks of the upload manager. */
export interface UploadApi {
  /** Queue files for upload into the folder `parentId` ("root" for the top), keeping their relative paths. */
  enqueue: (parentId: string, files: PickedFile[], options?: EnqueueOptions) => void;
}
