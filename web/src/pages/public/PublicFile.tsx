import { Download } from 'lucide-react';
import type { LinkInfo, PublicNode } from '../../api/links-types';
import { FileIcon } from '../../ui/FileIcon';
import { describeType, formatBytes, formatDate } from '../../ui/format';
import { formatDay } from '../../sharing/format';
import { linkUrls } from './publicApi';
import { PublicPreview } from './PublicPreview';

/** A link to one file: what it is, a preview where the browser can show it, and Download. */
export function PublicFile({ token, info, file }: { token: string; info: LinkInfo; file: PublicNode }) {
  const urls = linkUrls(token);
  return (
    <section className="public-file" aria-labelledby="public-title">
      <div className="page-header">
        <div className="public-heading">
          <FileIcon kind="file" mime={file.mime} name={file.name} size={28} />
          <div>
            <h1 id="public-title" tabIndex={-1}>
              {file.name}
            </h1>
            <p className="muted public-summary">
              {describeType('file', file.mime, file.name)} · {formatBytes(file.size)} · modified {formatDate(file.modified_at)}
            </p>
          </div>
        </div>
        <div className="button-row">
          {/* A plain link: the browser streams the file to disk, however large. */}
          <a className="button button-primary" href={urls.download} download={file.name}>
            <Download aria-hidden size={18} /> Download
          </a>
        </div>
      </div>
      {info.expires_at ? <p className="muted public-expiry">This link works until {formatDay(info.expires_at)}.</p> : null}
      <div className="public-preview">
        <PublicPreview token={token} file={file} url={urls.content(file.id)} />
      </div>
    </section>
  );
}
