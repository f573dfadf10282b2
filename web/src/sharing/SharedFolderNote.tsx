import { Users } from 'lucide-react';
import type { IncomingShare } from '../api/share-types';
import type { ShareRole } from '../api/share-types';
import { formatDay, personName, ROLE_LABEL } from './format';

const YOU_CAN: Record<ShareRole, string> = {
  viewer: 'you can open and download',
  editor: 'you can open, add, change and delete',
  manager: 'you can open, change and share further',
};

/** Under the heading of a folder shared with the caller: whose it is and what they may do. */
export function SharedFolderNote({ share }: { share: IncomingShare }) {
  const owner = share.owner ? personName(share.owner) : 'someone';
  return (
    <p className="muted files-shared-note">
      <Users aria-hidden size={14} />
      <span>
        Shared by {owner} · {ROLE_LABEL[share.role]}: {YOU_CAN[share.role]}
        {share.expires_at ? ` · until ${formatDay(share.expires_at)}` : ''}
      </span>
    </p>
  );
}
