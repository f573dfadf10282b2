import { useState } from 'react';
import type { PublicNode } from '../../api/links-types';
import { FileIcon } from '../../ui/FileIcon';
import { previewKind } from '../../ui/format';
import { PreviewContent } from '../files/PreviewDialog';

/**
 * A file of a link shown in the page: image, video, audio, PDF or text, read from the link's
 * inline content address (Range requests let video seek and text read only its start).
 */
export function PublicPreview({ file, url }: { file: PublicNode; url: string }) {
  const kind = previewKind(file.mime, file.name);
  const [broken, setBroken] = useState(false);
  if (kind === null) return <NoPreview file={file} />;
  if (broken) return <NoPreview file={file} reason="The browser could not show this file." />;
  return <PreviewContent kind={kind} url={url} file={file} textKey={['public-text', url, file.modified_at]} onBroken={() => setBroken(true)} />;
}

function NoPreview({ file, reason }: { file: PublicNode; reason?: string }) {
  return (
    <div className="preview-none">
      <FileIcon kind="file" mime={file.mime} name={file.name} size={56} />
      <p className="muted">{reason ?? 'There is no preview for this kind of file.'} Download it to open it on your device.</p>
    </div>
  );
}
