import { Ban, CircleAlert, CircleCheck, Clock, LoaderCircle, RotateCcw, Upload, X } from 'lucide-react';
import { useCallback, useEffect, useId, useRef, useState, type DragEvent } from 'react';
import { formatBytes } from '../../ui/format';
import { ProgressBar } from '../../ui/ProgressBar';
import { formatDay } from '../../sharing/format';
import { isCancelled } from '../../upload/transport';
import { linkUrls, PublicUploadFailure, sendPublicFile } from './publicApi';

type Status = 'waiting' | 'uploading' | 'done' | 'failed' | 'cancelled';

interface Item {
  key: number;
  file: File;
  status: Status;
  loaded: number;
  /** The name the server stored it under, which may differ ("a (1).txt"). */
  stored?: string;
  error?: string;
}

const ICONS = { waiting: Clock, uploading: LoaderCircle, done: CircleCheck, failed: CircleAlert, cancelled: Ban } as const;

interface PublicUploadProps {
  token: string;
  /** The folder's name, as the link shows it. */
  title: string;
  expiresAt?: string | null;
  /** Inside a folder view (read-write links): a section, not the page itself. */
  compact?: boolean;
  /** After each stored file, so a folder view can list it. */
  onStored?: () => void;
}

/**
 * A drop box: visitors add files one after the other, each with its progress. The list shows
 * only this visitor's files, under the names the server stored; nobody's other uploads.
 */
export function PublicUpload({ token, title, expiresAt, compact, onStored }: PublicUploadProps) {
  const inputRef = useRef<HTMLInputElement>(null);
  const headingId = useId();
  const [items, setItems] = useState<Item[]>([]);
  const [dragging, setDragging] = useState(false);
  const [notice, setNotice] = useState('');
  const [announcement, setAnnouncement] = useState('');
  const nextKey = useRef(1);
  const running = useRef<{ key: number; controller: AbortController } | null>(null);
  const depth = useRef(0);

  const update = useCallback((key: number, change: Partial<Item>) => setItems((all) => all.map((i) => (i.key === key ? { ...i, ...change } : i))), []);

  const add = (files: File[]) => {
    if (files.length === 0) return;
    setNotice('');
    setItems((all) => [...all, ...files.map((file) => ({ key: nextKey.current++, file, status: 'waiting' as const, loaded: 0 }))]);
    setAnnouncement(`${files.length} file${files.length === 1 ? '' : 's'} added`);
  };

  // One file at a time, in the order added: the progress of each is easy to follow.
  useEffect(() => {
    if (running.current) return;
    const next = items.find((i) => i.status === 'waiting');
    if (!next) return;
    const controller = new AbortController();
    running.current = { key: next.key, controller };
    update(next.key, { status: 'uploading', loaded: 0, error: undefined });
    sendPublicFile({ url: linkUrls(token).upload(next.file.name), file: next.file, signal: controller.signal, onProgress: (loaded) => update(next.key, { loaded }) })
      .then(
        (result) => {
          const stored = result.name || next.file.name;
          update(next.key, { status: 'done', loaded: next.file.size, stored });
          setAnnouncement(stored === next.file.name ? `Uploaded ${stored}` : `Uploaded ${next.file.name} as ${stored}`);
          onStored?.();
        },
        (err: unknown) => {
          if (isCancelled(err)) {
            update(next.key, { status: 'cancelled' });
            return;
          }
          const message = err instanceof PublicUploadFailure ? err.message : 'The file could not be sent.';
          update(next.key, { status: 'failed', error: message });
          setAnnouncement(`${next.file.name} was not uploaded: ${message}`);
        },
      )
      .finally(() => {
        running.current = null;
        // Wakes the effect for the next file.
        setItems((all) => [...all]);
      });
  }, [items, token, update, onStored]);

  // Leaving the page stops the file on its way.
  useEffect(() => () => running.current?.controller.abort(), []);

  const cancel = (item: Item) => {
    if (running.current?.key === item.key) running.current.controller.abort();
    else update(item.key, { status: 'cancelled' });
  };

  const hasFiles = (e: DragEvent) => Array.from(e.dataTransfer.types).includes('Files');
  const onDrop = (e: DragEvent) => {
    if (!hasFiles(e)) return;
    e.preventDefault();
    depth.current = 0;
    setDragging(false);
    // Folders cannot be sent through a link; their entries show up as directories here.
    const entries = Array.from(e.dataTransfer.items ?? []).map((i) => (typeof i.webkitGetAsEntry === 'function' ? i.webkitGetAsEntry() : null));
    const files = Array.from(e.dataTransfer.files).filter((_, i) => !entries[i]?.isDirectory);
    if (files.length < e.dataTransfer.files.length) setNotice('Folders cannot be uploaded here: open them and pick the files inside.');
    add(files);
  };

  const done = items.filter((i) => i.status === 'done').length;
  const Heading = compact ? 'h2' : 'h1';
  return (
    <section className={compact ? 'public-upload compact' : 'public-upload'} aria-labelledby={headingId}>
      <Heading id={headingId} tabIndex={-1}>
        {compact ? 'Add files' : `Upload files to “${title}”`}
      </Heading>
      {!compact ? <p className="muted">The files you upload go straight to the owner of this link. You cannot see what is already there, and nobody else sees what you send.</p> : null}
      {expiresAt && !compact ? <p className="muted public-expiry">This link works until {formatDay(expiresAt)}.</p> : null}
      <div
        className={dragging ? 'drop-zone dragging' : 'drop-zone'}
        onDragEnter={(e) => {
          if (!hasFiles(e)) return;
          e.preventDefault();
          depth.current++;
          setDragging(true);
        }}
        onDragOver={(e) => {
          if (!hasFiles(e)) return;
          e.preventDefault();
          e.dataTransfer.dropEffect = 'copy';
        }}
        onDragLeave={(e) => {
          if (!hasFiles(e)) return;
          depth.current = Math.max(0, depth.current - 1);
          if (depth.current === 0) setDragging(false);
        }}
        onDrop={onDrop}
      >
        <Upload aria-hidden size={28} />
        <p>Drop files here, or</p>
        <button type="button" className="button button-primary" onClick={() => inputRef.current?.click()}>
          Choose files
        </button>
        <input
          ref={inputRef}
          type="file"
          multiple
          hidden
          data-testid="public-upload-input"
          onChange={(e) => {
            add(Array.from(e.currentTarget.files ?? []));
            // Picking the same files again must fire change again.
            e.currentTarget.value = '';
          }}
        />
      </div>
      {notice ? (
        <p className="notice notice-warning" role="status">
          {notice}
        </p>
      ) : null}
      {items.length > 0 ? (
        <>
          <p className="muted public-upload-summary">
            {done} of {items.length} uploaded
          </p>
          <ul className="upload-list public-upload-list" aria-label="Your uploads">
            {items.map((item) => (
              <UploadLine key={item.key} item={item} onCancel={cancel} onRetry={(i) => update(i.key, { status: 'waiting', loaded: 0, error: undefined })} />
            ))}
          </ul>
        </>
      ) : null}
      <p className="sr-only" aria-live="polite">
        {announcement}
      </p>
    </section>
  );
}

function UploadLine({ item, onCancel, onRetry }: { item: Item; onCancel: (item: Item) => void; onRetry: (item: Item) => void }) {
  const Icon = ICONS[item.status];
  const name = item.stored ?? item.file.name;
  const status =
    item.status === 'waiting'
      ? 'Waiting'
      : item.status === 'uploading'
        ? `${formatBytes(item.loaded)} of ${formatBytes(item.file.size)}`
        : item.status === 'done'
          ? item.stored && item.stored !== item.file.name
            ? `Uploaded as ${item.stored} (that name was taken)`
            : `Uploaded · ${formatBytes(item.file.size)}`
          : item.status === 'cancelled'
            ? 'Cancelled'
            : (item.error ?? 'Failed');
  const active = item.status === 'waiting' || item.status === 'uploading';
  return (
    <li className={`upload-row upload-${item.status === 'waiting' ? 'queued' : item.status}`}>
      <Icon aria-hidden size={16} className={item.status === 'uploading' ? 'upload-row-icon spin' : 'upload-row-icon'} />
      <div className="upload-row-main">
        <span className="upload-name" title={name}>
          {name}
        </span>
        <span className={item.status === 'failed' ? 'upload-status upload-error' : 'upload-status'}>{status}</span>
        {item.status === 'uploading' ? <ProgressBar value={item.file.size ? item.loaded / item.file.size : 0} label={`Progress of ${name}`} /> : null}
      </div>
      {item.status === 'failed' ? (
        <button type="button" className="icon-button" aria-label={`Retry ${name}`} title="Retry" onClick={() => onRetry(item)}>
          <RotateCcw aria-hidden size={16} />
        </button>
      ) : null}
      {active ? (
        <button type="button" className="icon-button" aria-label={`Cancel upload of ${name}`} title="Cancel" onClick={() => onCancel(item)}>
          <X aria-hidden size={16} />
        </button>
      ) : null}
    </li>
  );
}
