import { useQuery, type QueryKey } from '@tanstack/react-query';
import { ChevronLeft, ChevronRight, Download } from 'lucide-react';
import { useEffect, useState } from 'react';
import type { FileNode } from '../../api/types';
import { useApi } from '../../app-context';
import { hasServerPreview } from '../../previews/kinds';
import { usePreview } from '../../previews/usePreview';
import { ErrorNotice, Spinner } from '../../ui/Feedback';
import { FileIcon } from '../../ui/FileIcon';
import { describeType, formatBytes, formatDate, previewKind, type PreviewKind } from '../../ui/format';
import { Modal } from '../../ui/Modal';

/** How much of a text file the preview reads. */
export const TEXT_PREVIEW_BYTES = 1024 * 1024;

interface PreviewDialogProps {
  file: FileNode | null;
  /** The folder's files in view order, for Previous and Next. */
  files: FileNode[];
  onNavigate: (file: FileNode) => void;
  onClose: () => void;
  onDownload: (file: FileNode) => void;
}

/** Shows a file in the browser: images, video, audio, PDF and text; anything else gets its details and a download. */
export function PreviewDialog({ file, files, onNavigate, onClose, onDownload }: PreviewDialogProps) {
  const at = file ? files.findIndex((f) => f.id === file.id) : -1;
  const prev = at > 0 ? files[at - 1] : undefined;
  const next = at >= 0 && at < files.length - 1 ? files[at + 1] : undefined;

  useEffect(() => {
    if (!file) return;
    const onKey = (e: KeyboardEvent) => {
      const t = e.target as HTMLElement | null;
      // Media controls and the text itself use the arrows for seeking and scrolling.
      if (!t?.closest('[role="dialog"]') || t.closest('video, audio, input, textarea, select, pre, iframe')) return;
      if (e.altKey || e.ctrlKey || e.metaKey || e.shiftKey) return;
      if (e.key === 'ArrowLeft' && prev) onNavigate(prev);
      else if (e.key === 'ArrowRight' && next) onNavigate(next);
      else return;
      e.preventDefault();
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [file, prev, next, onNavigate]);

  return (
    <Modal
      open={file !== null}
      onOpenChange={(open) => {
        if (!open) onClose();
      }}
      wide
      title={file?.name ?? ''}
      description={file ? `${describeType(file.kind, file.mime, file.name)} · ${formatBytes(file.size)} · modified ${formatDate(file.modified_at)}` : undefined}
      footer={
        file ? (
          <>
            {files.length > 1 && at >= 0 ? (
              <div className="button-row preview-nav">
                <button type="button" className="button" aria-label="Previous file" disabled={!prev} onClick={() => prev && onNavigate(prev)}>
                  <ChevronLeft aria-hidden size={18} />
                </button>
                <span className="muted" aria-live="polite">
                  {at + 1} of {files.length}
                </span>
                <button type="button" className="button" aria-label="Next file" disabled={!next} onClick={() => next && onNavigate(next)}>
                  <ChevronRight aria-hidden size={18} />
                </button>
              </div>
            ) : null}
            <button type="button" className="button" onClick={() => onDownload(file)}>
              <Download aria-hidden size={18} /> Download
            </button>
          </>
        ) : null
      }
    >
      {file ? <PreviewBody key={file.id} file={file} /> : null}
    </Modal>
  );
}

function PreviewBody({ file }: { file: FileNode }) {
  const api = useApi();
  const kind = previewKind(file.mime, file.name);
  const [broken, setBroken] = useState(false);
  // The server's large picture comes first (a 20 MB photo appears at once), and is the video's
  // poster; for types the browser cannot show (HEIC, TIFF, most videos' containers) it is all there is.
  const pictureOnly = kind === null && hasServerPreview(file.mime);
  const large = usePreview(file, 'large', { enabled: kind === 'image' || kind === 'video' || pictureOnly });
  const placeholder = large.status === 'ready' ? large.url : undefined;
  // A link is good for hours; one per version of the file is plenty while browsing back and forth.
  const link = useQuery({
    queryKey: ['file-link', file.id, file.etag],
    queryFn: () => api.contentLink(file.id, { inline: true }),
    enabled: kind !== null,
    staleTime: 30 * 60_000,
  });

  if (pictureOnly) {
    if (large.status === 'loading') return <Spinner label="Making a preview" />;
    if (large.status === 'none') return <NoPreview file={file} />;
    return <PictureOnly url={large.url} file={file} />;
  }
  if (kind === null) return <NoPreview file={file} />;
  if (link.isPending) return kind === 'image' && placeholder ? <ProgressiveImage placeholder={placeholder} alt={file.name} onBroken={() => setBroken(true)} /> : <Spinner label="Opening the preview" />;
  if (link.isError) return <ErrorNotice error={link.error} />;
  if (broken) return <NoPreview file={file} reason="The browser could not show this file." />;
  return (
    <PreviewContent
      kind={kind}
      url={link.data.url}
      placeholder={placeholder}
      file={file}
      textKey={['file-text', file.id, file.etag]}
      onBroken={() => setBroken(true)}
    />
  );
}

/** The server's preview of a file the browser cannot show itself, saying it is only a picture of it. */
export function PictureOnly({ url, file }: { url: string; file: Pick<FileNode, 'kind' | 'mime' | 'name'> }) {
  return (
    <>
      <div className="preview-stage">
        <img src={url} alt={file.name} className="preview-image" />
      </div>
      <p className="muted preview-note">This is a preview picture. Use Download to open the {describeType(file.kind, file.mime, file.name).toLowerCase()} itself.</p>
    </>
  );
}

interface ProgressiveImageProps {
  /** The original; absent while its address is on the way. */
  src?: string | undefined;
  /** A smaller picture of it, shown until the original has loaded. */
  placeholder?: string | undefined;
  alt: string;
  onBroken: () => void;
}

/**
 * The preview picture at once, the original in its place when it has loaded (it loads hidden
 * meanwhile). When the browser cannot show the original, the preview stays.
 */
export function ProgressiveImage({ src, placeholder, alt, onBroken }: ProgressiveImageProps) {
  const [loaded, setLoaded] = useState(false);
  const [failed, setFailed] = useState(false);
  const waiting = Boolean(placeholder) && !loaded;
  return (
    <div className="preview-stage">
      {waiting ? <img src={placeholder} alt={alt} className="preview-image" /> : null}
      {src && !failed ? (
        <img
          src={src}
          alt={alt}
          className="preview-image"
          hidden={waiting}
          onLoad={() => setLoaded(true)}
          onError={() => {
            if (placeholder) setFailed(true);
            else onBroken();
          }}
        />
      ) : null}
      {waiting && !failed ? (
        <p className="preview-progress" role="status">
          Loading the full image…
        </p>
      ) : null}
      {failed ? <p className="preview-progress">Showing a smaller preview: the browser could not show the original.</p> : null}
    </div>
  );
}

/** What showing a file needs to know about it. */
export interface PreviewFile {
  name: string;
  mime: string | null;
  size: number;
}

interface PreviewContentProps {
  kind: NonNullable<PreviewKind>;
  /** The file's inline content address. */
  url: string;
  /** A smaller picture to show first: an image's preview, a video's poster. */
  placeholder?: string | undefined;
  file: PreviewFile;
  /** Caches a text file's start, per version of the file. */
  textKey: QueryKey;
  /** When the browser cannot show the image or media after all. */
  onBroken: () => void;
}

/** A file shown by its kind: image, video, audio, PDF or the start of its text. */
export function PreviewContent({ kind, url, placeholder, file, textKey, onBroken }: PreviewContentProps) {
  switch (kind) {
    case 'image':
      return <ProgressiveImage src={url} placeholder={placeholder} alt={file.name} onBroken={onBroken} />;
    case 'video':
      return (
        <div className="preview-stage">
          <video src={url} poster={placeholder} controls preload="metadata" className="preview-media" onError={onBroken}>
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
      return <TextPreview url={url} file={file} queryKey={textKey} />;
  }
}

/** The first megabyte of a file as text: a Range request, and the reader stops even if the server sends more. */
export async function readTextStart(url: string, limit = TEXT_PREVIEW_BYTES, signal?: AbortSignal): Promise<{ text: string; bytes: number }> {
  const response = await fetch(url, { headers: { range: `bytes=0-${limit - 1}` }, credentials: 'same-origin', signal });
  if (!response.ok) throw new Error(`The file could not be read (${response.status} ${response.statusText})`);
  const decoder = new TextDecoder();
  if (!response.body) {
    const buf = new Uint8Array(await response.arrayBuffer()).subarray(0, limit);
    return { text: decoder.decode(buf), bytes: buf.byteLength };
  }
  const reader = response.body.getReader();
  let text = '';
  let bytes = 0;
  while (bytes < limit) {
    const { done, value } = await reader.read();
    if (done) break;
    const chunk = value.subarray(0, limit - bytes);
    bytes += chunk.byteLength;
    text += decoder.decode(chunk, { stream: true });
  }
  await reader.cancel().catch(() => undefined);
  return { text: text + decoder.decode(), bytes };
}

function TextPreview({ url, file, queryKey }: { url: string; file: PreviewFile; queryKey: QueryKey }) {
  const empty = file.size === 0;
  const text = useQuery({
    queryKey,
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

function NoPreview({ file, reason }: { file: FileNode; reason?: string }) {
  return (
    <div className="preview-none">
      <FileIcon kind="file" mime={file.mime} name={file.name} size={56} />
      <dl className="preview-facts">
        <dt>Name</dt>
        <dd>{file.name}</dd>
        <dt>Size</dt>
        <dd>{formatBytes(file.size)}</dd>
        <dt>Type</dt>
        <dd>{describeType(file.kind, file.mime, file.name)}</dd>
        <dt>Modified</dt>
        <dd>{formatDate(file.modified_at)}</dd>
      </dl>
      <p className="muted">{reason ?? 'There is no preview for this kind of file.'} Use Download to open it on your device.</p>
    </div>
  );
}
