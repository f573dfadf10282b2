import { Modal } from '../ui/Modal';
import type { ShareTarget } from './format';
import { LinksSection } from './LinksSection';
import { PeopleSection } from './PeopleSection';

interface ShareDialogProps {
  node: ShareTarget;
  open: boolean;
  onOpenChange: (open: boolean) => void;
}

/** Sharing one item: with people who have an account, and by public links for anyone. */
export function ShareDialog({ node, open, onOpenChange }: ShareDialogProps) {
  return (
    <Modal
      open={open}
      onOpenChange={onOpenChange}
      wide
      title={`Share “${node.name}”`}
      description={node.kind === 'folder' ? 'People you add find it under “Shared with me”, with everything inside it.' : 'People you add find it under “Shared with me”.'}
      footer={
        <button type="button" className="button" onClick={() => onOpenChange(false)}>
          Done
        </button>
      }
    >
      {open ? (
        <div className="share-dialog">
          <PeopleSection node={node} />
          <LinksSection node={node} />
        </div>
      ) : null}
    </Modal>
  );
}
