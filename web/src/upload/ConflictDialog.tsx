import { useEffect, useRef, useState } from 'react';
import { Modal } from '../ui/Modal';
import type { UploadItem } from './queue';
import type { ConflictChoice } from './types';

interface ConflictDialogProps {
  /** The upload whose name is taken; the dialog is open while there is one. */
  item: UploadItem | undefined;
  /** How many uploads wait for this question, this one included. */
  waiting: number;
  onChoose: (id: number, choice: ConflictChoice, all: boolean) => void;
}

/** "a.txt" → "a (1).txt", the kind of free name the server picks when it keeps both. */
export function freeNameExample(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot > 0 ? `${name.slice(0, dot)} (1)${name.slice(dot)}` : `${name} (1)`;
}

function describe(item: UploadItem): { name: string; where: string } {
  const slash = item.relativePath.lastIndexOf('/');
  const name = item.relativePath.slice(slash + 1);
  const folder = item.folderName ?? 'this folder';
  return { name, where: slash < 0 ? folder : `${folder}/${item.relativePath.slice(0, slash)}` };
}

/**
 * Asks what to do with an upload whose name is already taken, one file at a time, as Nextcloud
 * and Google Drive do: a new version of the file there, both files, or not this one. Closing the
 * dialog skips every file waiting for the question, so nothing is replaced unasked.
 */
export function ConflictDialog({ item, waiting, onChoose }: ConflictDialogProps) {
  const keep = useRef<HTMLButtonElement>(null);
  const [all, setAll] = useState(false);
  const [asked, setAsked] = useState(item?.id);
  // Each question starts with "apply to all" unticked.
  if (asked !== item?.id) {
    setAsked(item?.id);
    setAll(false);
  }
  // The dialog stays open from one question to the next; the keyboard starts each on the safe choice.
  const id = item?.id;
  useEffect(() => {
    if (id !== undefined) keep.current?.focus();
  }, [id]);

  if (!item) return <Modal open={false} onOpenChange={() => undefined} title="" />;
  const { name, where } = describe(item);
  const reason = item.conflict?.reason;
  const folderThere = item.conflict?.existing === 'folder';
  const canReplace = item.conflict?.canReplace ?? false;
  const others = waiting - 1;
  const choose = (choice: ConflictChoice) => onChoose(item.id, choice, all && others > 0);

  return (
    <Modal
      open
      onOpenChange={(open) => {
        if (!open) onChoose(item.id, 'skip', true);
      }}
      initialFocus={keep}
      title={reason ? `“${name}” was not stored` : `“${name}” already exists`}
      description={
        reason ? (
          <>The server did not store “{name}” in “{where}”. What should Coffer do with it?</>
        ) : folderThere ? (
          <>There is already a folder named “{name}” in “{where}”. A file cannot replace a folder.</>
        ) : (
          <>There is already a file named “{name}” in “{where}”.</>
        )
      }
      footer={
        <>
          <button type="button" className="button" onClick={() => choose('skip')}>
            Skip
          </button>
          <button ref={keep} type="button" className="button" onClick={() => choose('keep')}>
            Keep both
          </button>
          {canReplace ? (
            <button type="button" className="button button-primary" onClick={() => choose('replace')}>
              Replace
            </button>
          ) : null}
        </>
      }
    >
      {reason ? (
        <p className="confirm-error" role="alert">
          {reason}
        </p>
      ) : null}
      <ul className="conflict-choices">
        {canReplace ? (
          <li>
            <strong>Replace</strong> stores your file as a new version of “{name}”; the current content stays in its version history.
          </li>
        ) : null}
        <li>
          <strong>Keep both</strong> uploads your file under a free name, such as “{freeNameExample(name)}”.
        </li>
        <li>
          <strong>Skip</strong> leaves this file out.
        </li>
      </ul>
      {others > 0 ? (
        <label className="conflict-all">
          <input type="checkbox" checked={all} onChange={(e) => setAll(e.target.checked)} />
          Do the same for the {others === 1 ? 'other file' : `${others.toLocaleString()} other files`} whose names are taken
        </label>
      ) : null}
    </Modal>
  );
}
