import { useState } from 'react';
import type { PublicNode } from '../../api/links-types';
import { hasServerPreview } from '../../previews/kinds';
import { Spinner } from '../../ui/Feedback';
import { FileIcon } from '../../ui/FileIcon';
import { previewKind } from '../../ui/format';
import { PictureOnly, PreviewContent } from '../files/PreviewDialog';
import { usePublicPreview } from './publicPreviews';

/**
 * A file of a link shown in the page: image, video, audio, PDF or text, read from the link's
 * inline content address (Range requests let video seek and text read only its start). As in the
 * signed-in app, the server's large picture comes first (a 20 MB photo appears at once) and is a
 * video's poster; for types the browser cannot show (HEIC, TIFF, most video containers) it is
 * all there is.
 */
export function PublicPreview({ token, file, url }: { token: string; file: PublicNode; url: string }) {
  const kind = previewKind(file.mime, file.name);
  const [broken, setBroken] = useState(false);
  const pictureOnly = kind === null && hasServerPreview(file.mime);
  const large = usePublicPreview(token, file, 'large', { enabled: kind === 'image' || kind === 'video' || pictureOnly });
  if (pictureOnly) {
    if (large.status === 'loading') return <Spinner label="Making a preview" />;
    if (large.status === 'none') return <NoPreview file={file} />;
    return <PictureOnly url={large.url} file={file} />;
  }
  if (kind === null) return <NoPreview file={file} />;
  if (broken) return <NoPreview file={file} reason="The browser could not show this file." />;
  const placeholder = large.status === 'ready' ? large.url : undefined;
  return <PreviewContent kind={kind} url={url} placeholder={placeholder} file={file} textKey={['public-text', url, file.modified_at]} onBroken={() => setBroken(true)} />;
}

function NoPreview({ file, reason }: { file: PublicNode; reason?: string }) {
  return (
    <div className="preview-none">
      <FileIcon kind="file" mime={file.mime} name={file.name} size={56} />
      <p className="muted">{reason ?? 'There is no preview for this kind of file.'} Download it to open it on your device.</p>
    </div>
  );
}
