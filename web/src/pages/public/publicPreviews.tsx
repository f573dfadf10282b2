import type { ReactNode } from 'react';
import type { PublicNode } from '../../api/links-types';
import type { PreviewSize } from '../../api/previews';
import { hasServerPreview } from '../../previews/kinds';
import { ICON_SIZE, ThumbnailPicture, type ThumbnailVariant } from '../../previews/Thumbnail';
import { usePreviewQuery, type PreviewStatus } from '../../previews/usePreview';
import { FileIcon } from '../../ui/FileIcon';
import { usePublicApi } from './publicApi';

type PreviewTarget = Pick<PublicNode, 'id' | 'kind' | 'mime' | 'modified_at'>;

/**
 * A picture of a file inside a link, as the signed-in app gets its own (usePreview): asked again
 * while the server makes it, the type icon for good when there is none. Visitors see no version
 * ids: the file's modification time tells a changed file from the one cached.
 */
export function usePublicPreview(token: string, node: PreviewTarget, size: PreviewSize, { enabled = true } = {}): PreviewStatus {
  const api = usePublicApi();
  return usePreviewQuery({
    key: ['public-preview', token, node.id, node.modified_at, size],
    size,
    wanted: enabled && node.kind === 'file' && hasServerPreview(node.mime),
    ask: (signal) => api.preview(token, node.id, size, signal),
  });
}

/** What stands for an item in a link's listing: its thumbnail where the server makes one, else its type icon. */
export function PublicItemVisual({ token, node, variant }: { token: string; node: PublicNode; variant: ThumbnailVariant }) {
  const icon = <FileIcon kind={node.kind} mime={node.mime} name={node.name} size={ICON_SIZE[variant]} />;
  return (
    <span className={`item-visual item-visual-${variant}`}>
      {node.kind === 'file' && hasServerPreview(node.mime) ? <PublicThumbnail token={token} node={node} variant={variant} icon={icon} /> : icon}
    </span>
  );
}

function PublicThumbnail({ token, node, variant, icon }: { token: string; node: PublicNode; variant: ThumbnailVariant; icon: ReactNode }) {
  return <ThumbnailPicture preview={usePublicPreview(token, node, 'small')} variant={variant} icon={icon} />;
}
