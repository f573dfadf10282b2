const UNITS = ['B', 'KB', 'MB', 'GB', 'TB', 'PB'];

/** 1536 → "1.5 KB" (powers of 1024, the way file managers show sizes). */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '—';
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  const digits = unit === 0 || value >= 100 ? 0 : value >= 10 ? 1 : 2;
  return `${value.toFixed(digits).replace(/\.0+$|(\.\d*?)0+$/, '$1')} ${UNITS[unit]}`;
}

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

export function formatDate(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? '—' : dateTime.format(d);
}

/** Seconds → "1 h 4 min", "12 s". */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '—';
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${s % 60} s`;
  const h = Math.floor(m / 60);
  return `${h} h ${m % 60} min`;
}

/** Bytes per second → "12.5 MB/s". */
export function formatSpeed(bytesPerSecond: number): string {
  return `${formatBytes(bytesPerSecond)}/s`;
}

/** Names the desktop and WebDAV clients leave behind that people never want to see. */
export function isHiddenName(name: string): boolean {
  return name === '.DS_Store' || name.startsWith('._');
}

/** A person's short description of a MIME type for the "Type" column. */
export function describeType(kind: 'file' | 'folder', mime: string | null, name: string): string {
  if (kind === 'folder') return 'Folder';
  const ext = name.includes('.') ? name.slice(name.lastIndexOf('.') + 1).toUpperCase() : '';
  if (!mime || mime === 'application/octet-stream') return ext ? `${ext} file` : 'File';
  const [top, sub = ''] = mime.split('/');
  if (mime === 'application/pdf') return 'PDF document';
  if (top === 'image') return `${sub.replace(/^x-|\+xml$/g, '').toUpperCase()} image`;
  if (top === 'video') return 'Video';
  if (top === 'audio') return 'Audio';
  if (top === 'text') return ext ? `${ext} text` : 'Text';
  if (/zip|tar|compressed|x-7z|rar/.test(sub)) return 'Archive';
  return ext ? `${ext} file` : mime;
}

export type PreviewKind = 'image' | 'video' | 'audio' | 'pdf' | 'text' | null;

const TEXT_EXT = /\.(txt|md|markdown|csv|tsv|json|ya?ml|toml|ini|log|xml|html?|css|js|mjs|ts|tsx|jsx|py|rb|go|rs|java|c|h|cpp|hpp|sh|sql|conf)$/i;

/** What the browser can show of a file, judged by type and name. */
export function previewKind(mime: string | null, name: string): PreviewKind {
  const m = (mime ?? '').toLowerCase();
  if (/^image\/(png|jpe?g|gif|webp|avif|bmp|svg\+xml|x-icon|vnd\.microsoft\.icon)$/.test(m)) return 'image';
  if (/^video\/(mp4|webm|ogg|quicktime)$/.test(m)) return 'video';
  if (/^audio\//.test(m)) return 'audio';
  if (m === 'application/pdf') return 'pdf';
  if (m.startsWith('text/') || m === 'application/json' || m === 'application/xml' || TEXT_EXT.test(name)) return 'text';
  return null;
}
