import { FolderUp } from 'lucide-react';
import { useCallback, useRef } from 'react';
import { useUploads } from '../../upload/UploadProvider';
import { pickedFilesFromInput } from '../files/drop';

/**
 * Uploads a whole folder from the computer into a record's folder (a book's dataset, a build's
 * files), through the same upload manager and panel as the file browser.
 */
export function RecordUploadButton({ folderId, folderName }: { folderId: string; folderName: string }) {
  const uploads = useUploads();
  const inputRef = useRef<HTMLInputElement | null>(null);
  // React does not know webkitdirectory; set it on the element itself.
  const setInput = useCallback((el: HTMLInputElement | null) => {
    inputRef.current = el;
    el?.setAttribute('webkitdirectory', '');
  }, []);
  return (
    <>
      <button type="button" className="button button-small" onClick={() => inputRef.current?.click()} aria-label={`Upload folder into ${folderName}`}>
        <FolderUp aria-hidden size={14} /> Upload folder
      </button>
      <input
        ref={setInput}
        type="file"
        multiple
        hidden
        data-testid={`record-upload-${folderName}`}
        onChange={(e) => {
          const input = e.currentTarget;
          if (input.files && input.files.length > 0) uploads.enqueue(folderId, pickedFilesFromInput(input.files), { folderName });
          input.value = '';
        }}
      />
    </>
  );
}
