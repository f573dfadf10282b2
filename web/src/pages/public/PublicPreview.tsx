import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import type { PublicNode } from '../../api/links-types';
import { ErrorNotice, Spinner } from '../../ui/Feedback';
import { FileIcon } from '../../ui/FileIcon';
import { formatBytes, previewKind } from '../../ui/format';
import { readTextStart, TEXT_PREVIEW_BYTES } from '../files/PreviewDialog';

/**
 * A file of a link shown in the page: image, video, audio, PDF or text, read from the link's
 * inline content address (Range requests let video seek and text read only its start).
 */
export function PublicPreview({ file, url }: { file: PublicNode; url: string }) {
  const kind = previewKind(file.mime, file.name);
  const [broken, setBroken] = useState(false);
  if (kind === null) return <NoPreview file={file} />;
  if (broken) return <NoPreview file={file} reason="The browser could not show this file." />;
  const onBroken = () => setBroken(true);
  switch (kind) {
    case 'image':
      return (
        <div className="preview-stage">
          <img src={url} alt={file.name} className="preview-image" onError={onBroken} />
        </div>
      );
    case 'video':
      return (
        <div className="preview-stage">
          <video src={url} controls preload="metadata" className="preview-media" onError={onBroken}>
            Your browser cannot play this video.
          </video>
        </div>
      );
    case 'audio':
      return (
        <div className="preview-audio">
          <FileIcon kind="file" mime={file.mime} name={file.name} size={48} />
          <audio src={url} controls preload="metadata" onError={onBroken}>
            Your browser cannot play this audio.
          </audio>
        </div>
      );
    case 'pdf':
      return <iframe src={url} title={`Preview of ${file.name}`} className="preview-frame" />;
    case 'text':
      return <TextPreview url={url} file={file} />;
  }
}

function TextPreview({ url, file }: { url: string; file: PublicNode }) {
  const empty = file.size === 0;
  const text = useQuery({
    queryKey: ['public-text', url, file.modified_at],
    queryFn: ({ signal }) => readTextStart(url, TEXT_PREVIEW_BYTES, signal),
    // A range of an empty file is unsatisfiable (416); there is nothing to read anyway.
    enabled: !empty,
    staleTime: Infinity,
    refetchOnWindowFocus: false,
  });
  if (empty) return <p className="muted">This file is empty.</p>;
  if (text.isPending) return <Spinner label="Reading the file" />;
  if (text.isError) return <ErrorNotice error={text.error} />;
  const truncated = file.size > text.data.bytes;
  return (
    <>
      {truncated ? (
        <p className="notice notice-info">
          Showing the first {formatBytes(text.data.bytes)} of {formatBytes(file.size)}. Download the file to see all of it.
        </p>
      ) : null}
      {/* Focusable so keyboard users can scroll a long text. */}
      <pre className="preview-text" tabIndex={0} aria-label={`Contents of ${file.name}`}>
        {text.data.text}
      </pre>
    </>
  );
}

function NoPreview({ file, reason }: { file: PublicNode; reason?: string }) {
  return (
    <div className="preview-none">
      <FileIcon kind="file" mime={file.mime} name={file.name} size={56} />
      <p className="muted">{reason ?? 'There is no preview for this kind of file.'} Download it to open it on your device.</p>
    </div>
  );
}
