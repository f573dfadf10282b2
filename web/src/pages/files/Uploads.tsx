import { FolderUp, Upload } from 'lucide-react';
import { useCallback, useRef, useState, type ChangeEvent, type DragEvent } from 'react';
import { errorMessage } from '../../api/errors';
import type { PickedFile } from '../../upload/types';
import { dragHasFiles, pickedFilesFromDrop, pickedFilesFromInput } from './drop';

/**
 * A hidden file input, for files or (with `folder`) a whole folder tree, behind a button of one's
 * own: `open` shows the picker, and what is picked goes to `onFiles`.
 */
export function usePicker(onFiles: (files: PickedFile[]) => void, folder: boolean) {
  const inputRef = useRef<HTMLInputElement | null>(null);
  // React does not know webkitdirectory; set it on the element itself.
  const ref = useCallback(
    (el: HTMLInputElement | null) => {
      inputRef.current = el;
      if (folder) el?.setAttribute('webkitdirectory', '');
    },
    [folder],
  );
  const onChange = (e: ChangeEvent<HTMLInputElement>) => {
    const input = e.currentTarget;
    if (input.files && input.files.length > 0) onFiles(pickedFilesFromInput(input.files));
    // Picking the same files again must fire change again.
    input.value = '';
  };
  return { open: () => inputRef.current?.click(), inputProps: { ref, type: 'file', multiple: true, hidden: true, onChange } as const };
}

/** "Upload files" and "Upload folder": hidden file inputs behind ordinary buttons. */
export function UploadButtons({ onFiles }: { onFiles: (files: PickedFile[]) => void }) {
  const files = usePicker(onFiles, false);
  const folder = usePicker(onFiles, true);
  return (
    <>
      <button type="button" className="button" onClick={files.open}>
        <Upload aria-hidden size={18} />
        Upload files
      </button>
      <button type="button" className="button" onClick={folder.open}>
        <FolderUp aria-hidden size={18} />
        Upload folder
      </button>
      <input {...files.inputProps} />
      <input {...folder.inputProps} />
    </>
  );
}

/**
 * Drag-and-drop of files and whole folder trees onto the folder view. The counter copes with
 * dragenter/dragleave firing for every child element the pointer crosses.
 */
export function useFileDrop(onFiles: (files: PickedFile[]) => void, onError: (message: string) => void) {
  const [active, setActive] = useState(false);
  const depth = useRef(0);

  const onDragEnter = (e: DragEvent) => {
    if (!dragHasFiles(e.dataTransfer)) return;
    e.preventDefault();
    depth.current++;
    setActive(true);
  };
  const onDragOver = (e: DragEvent) => {
    if (!dragHasFiles(e.dataTransfer)) return;
    // Without this the browser refuses the drop (or opens the file itself).
    e.preventDefault();
    e.dataTransfer.dropEffect = 'copy';
  };
  const onDragLeave = (e: DragEvent) => {
    if (!dragHasFiles(e.dataTransfer)) return;
    depth.current = Math.max(0, depth.current - 1);
    if (depth.current === 0) setActive(false);
  };
  const onDrop = (e: DragEvent) => {
    if (!dragHasFiles(e.dataTransfer)) return;
    e.preventDefault();
    depth.current = 0;
    setActive(false);
    pickedFilesFromDrop(e.dataTransfer).then(
      (files) => {
        if (files.length > 0) onFiles(files);
        else onError('Nothing to upload: the dropped folders are empty.');
      },
      (err: unknown) => onError(`The dropped files could not be read: ${errorMessage(err)}`),
    );
  };
  return { active, handlers: { onDragEnter, onDragOver, onDragLeave, onDrop } };
}
