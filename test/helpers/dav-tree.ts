import type { DavUser } from './dav.js';
import { DAV, kid, multistatus, OC, prop200 } from './dav-xml.js';

export interface RemoteFile {
  size: number;
  /** SHA-1 from oc:checksums, lower-case hex. */
  sha1: string | null;
}

const PROPS = `<?xml version="1.0"?><d:propfind xmlns:d="DAV:" xmlns:oc="${OC}"><d:prop><d:resourcetype/><d:getcontentlength/><oc:checksums/></d:prop></d:propfind>`;

/**
 * Every file below `root` (a folder of the user's files, "" for all), walked with Depth 1
 * PROPFINDs at the Nextcloud path: relative paths in NFC, with size and SHA-1.
 */
export async function remoteTree(user: DavUser, root: string): Promise<Map<string, RemoteFile>> {
  const base = `/remote.php/dav/files/${encodeURIComponent(user.username)}`;
  const files = new Map<string, RemoteFile>();
  const top = root.replace(/^\/+|\/+$/g, '');
  const queue = [top];
  while (queue.length > 0) {
    const rel = queue.shift()!;
    const encoded = rel === '' ? '' : `/${rel.split('/').map(encodeURIComponent).join('/')}`;
    const res = await user.request('PROPFIND', `${base}${encoded}/`, { rawPath: true, headers: { depth: '1', 'content-type': 'application/xml' }, body: PROPS });
    if (res.status !== 207) throw new Error(`PROPFIND ${rel || '/'}: ${res.status} ${res.body.slice(0, 300)}`);
    for (const entry of multistatus(res.body).slice(1)) {
      const name = decodeURIComponent(entry.href.replace(/\/$/, '').split('/').pop()!).normalize('NFC');
      const child = rel === '' ? name : `${rel}/${name}`;
      if (kid(prop200(entry, DAV, 'resourcetype'), DAV, 'collection')) {
        queue.push(child);
        continue;
      }
      const sums = entry.props.get(`${OC} checksums`);
      const sha1 = sums?.status === 200 ? (/SHA1:([0-9a-f]{40})/i.exec(sums.el.children.map((c) => c.text).join(' '))?.[1]?.toLowerCase() ?? null) : null;
      files.set(top === '' ? child : child.slice(top.length + 1), { size: Number(prop200(entry, DAV, 'getcontentlength').text), sha1 });
    }
  }
  return files;
}
