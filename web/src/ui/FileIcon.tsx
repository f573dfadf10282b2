import { File, FileArchive, FileAudio, FileCode, FileImage, FileText, FileVideo, Folder } from 'lucide-react';
import type { NodeKind } from '../api/types';

/** A type icon; decorative, since the row also says the type in words. */
export function FileIcon({ kind, mime, name, size = 20 }: { kind: NodeKind; mime: string | null; name: string; size?: number }) {
  const props = { size, 'aria-hidden': true as const, className: `file-icon file-icon-${kind}` };
  if (kind === 'folder') return <Folder {...props} />;
  const m = mime ?? '';
  if (m.startsWith('image/')) return <FileImage {...props} />;
  if (m.startsWith('video/')) return <FileVideo {...props} />;
  if (m.startsWith('audio/')) return <FileAudio {...props} />;
  if (/zip|tar|compressed|7z|rar/.test(m)) return <FileArchive {...props} />;
  if (m === 'application/pdf' || m.startsWith('text/')) return <FileText {...props} />;
  if (/\.(js|ts|tsx|py|go|rs|java|c|h|sh|json|ya?ml)$/i.test(name)) return <FileCode {...props} />;
  return <File {...props} />;
}
