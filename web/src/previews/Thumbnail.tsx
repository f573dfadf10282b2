import { useState, type ReactNode } from 'react';
import type { FileNode } from '../api/types';
import { FileIcon } from '../ui/FileIcon';
import { hasServerPreview } from './kinds';
import { usePreview } from './usePreview';

type Variant = 'grid' | 'row';

const ICON_SIZE: Record<Variant, number> = { grid: 40, row: 20 };

interface ItemVisualProps {
  node: FileNode;
  variant: Variant;
}

/**
 * What stands for an item in the file list or grid: a thumbnail for files the server makes
 * previews of, the type icon for the rest. The picture is decorative (the name beside it says
 * what the item is), hence its empty alt text.
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
  const preview = usePreview(node, 'small');
  // A picture the browser cannot decode after all: the icon, as for any file without one.
  const [broken, setBroken] = useState(false);
  if (preview.status === 'ready' && !broken) {
    return <img src={preview.url} alt="" className={`thumb thumb-${variant}`} decoding="async" draggable={false} onError={() => setBroken(true)} />;
  }
  return <span className={preview.status === 'loading' ? 'thumb-placeholder thumb-loading' : 'thumb-placeholder'}>{icon}</span>;
}
