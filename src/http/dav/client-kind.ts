/**
 * Which virtual folders a WebDAV client sees, decided here and nowhere else. File browsers
 * (Finder, Explorer, GNOME, KDE, davfs2, cadaver) show a tree to a person, who wants the trash
 * and what others share. Sync clients mirror the tree to disk: the trash there would be
 * downloaded, and a sync back would try to write into it, so they never see it; shares they do.
 */
export type DavClientKind = 'sync' | 'browser';

export interface VirtualFolders {
  trash: boolean;
  shared: boolean;
}

/** User agents of clients that mirror a tree: rclone, the Nextcloud and ownCloud apps, FolderSync. */
const SYNC_CLIENTS = [/\brclone\//i, /\bmirall\//i, /Nextcloud-(android|iOS)/i, /ownCloud-?(android|iOS|App)/i, /\bcsyncoC\b/i, /FolderSync/i];

export function davClientKind(userAgent: string | null): DavClientKind {
  if (!userAgent) return 'browser';
  return SYNC_CLIENTS.some((re) => re.test(userAgent)) ? 'sync' : 'browser';
}

export function virtualFoldersFor(kind: DavClientKind): VirtualFolders {
  return kind === 'sync' ? { trash: false, shared: true } : { trash: true, shared: true };
}
