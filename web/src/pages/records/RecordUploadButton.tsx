import { FolderUp } from 'lucide-react';
import { useUploads } from '../../upload/UploadProvider';
import { usePicker } from '../files/Uploads';

/**
 * Uploads a whole folder from the computer into a record's folder (a book's dataset, a build's
 * files), through the same upload manager and panel as the file browser.
 */
export function RecordUploadButton({ folderId, folderName }: { folderId: string; folderName: string }) {
  const uploads = useUploads();
  const picker = usePicker((files) => uploads.enqueue(folderId, files, { folderName }), true);
  return (
    <>
      <button type="button" className="button button-small" onClick={picker.open} aria-label={`Upload folder into ${folderName}`}>
        <FolderUp aria-hidden size={14} /> Upload folder
      </button>
      <input {...picker.inputProps} data-testid={`record-upload-${folderName}`} />
    </>
  );
}
