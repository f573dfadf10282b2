import { useState, type ReactNode } from 'react';
import type { FileNode } from '../api/types';
import { FileIcon } from '../ui/FileIcon';
import { hasServerPreview } from './kinds';
import { usePreview, type PreviewStatus } from './usePreview';

export type ThumbnailVariant = 'grid' | 'row';

export const ICON_SIZE: Record<ThumbnailVariant, number> = { grid: 40, row: 20 };

interface ItemVisualProps {
  node: FileNode;
  variant: ThumbnailVariant;
}

/**
 * What stands for an item in the file list or grid: a thumbnail for files the server makes
 * previews of, the type icon for the rest. The picture is decorative (the name beside it says
 * what the item is), hence its empty alt text. (A public link's page has its own, PublicItemVisual.)
 */
export function ItemVisual({ node, variant }: ItemVisualProps) {
  const icon = <FileIcon kind={node.kind} mime={node.mime} name={node.name} size={ICON_SIZE[variant]} />;
  return (
    <span className={`item-visual item-visual-${variant}`}>
      {node.kind === 'file' && hasServerPreview(node.mime) ? <Thumbnail node={node} variant={variant} icon={icon} /> : icon}
    </span>
  );
}

function Thumbnail({ node, variant, icon }: ItemVisualProps & { icon: ReactNode }) {
  return <ThumbnailPicture preview={usePreview(node, 'small')} variant={variant} icon={icon} />;
}

/** A thumbnail as it stands: the picture, or the type icon (pulsing while the picture is on its way). */
export function ThumbnailPicture({ preview, variant, icon }: { preview: PreviewStatus; variant: ThumbnailVariant; icon: ReactNode }) {
  // A picture the browser cannot decode after all: the icon, as for any file without one.
  const [broken, setBroken] = useState(false);
  if (preview.status === 'ready' && !broken) {
    return <img src={preview.url} alt="" className={`thumb thumb-${variant}`} decoding="async" draggable={false} onError={() => setBroken(true)} />;
  }
  return <span className={preview.status === 'loading' ? 'thumb-placeholder thumb-loading' : 'thumb-placeholder'}>{icon}</span>;
}
