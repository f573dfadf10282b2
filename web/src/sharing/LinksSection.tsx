import { useQuery } from '@tanstack/react-query';
import { Check, Copy, Link2, Lock, Pencil, Plus, Trash2 } from 'lucide-react';
import { useEffect, useId, useRef, useState } from 'react';
import type { Link } from '../api/links-types';
import { useApi } from '../app-context';
import { ConfirmAction } from '../ui/ConfirmAction';
import { ErrorNotice, Spinner } from '../ui/Feedback';
import { useToast } from '../ui/Toasts';
import { absoluteLinkUrl, formatDay, PERMISSION_LABEL, STATE_BADGE, STATE_LABEL, type ShareTarget } from './format';
import { LinkForm } from './LinkForm';
import { useRefreshSharing } from './PeopleSection';

export const nodeLinksKey = (nodeId: string) => ['links', 'node', nodeId] as const;

/** Public links to an item: make one, copy, change or revoke them. */
export function LinksSection({ node }: { node: ShareTarget }) {
  const headingId = useId();
  const [creating, setCreating] = useState(false);
  // The link just made or changed: its Copy button takes focus, the natural next step.
  const [focusId, setFocusId] = useState<string | null>(null);
  const newButtonRef = useRef<HTMLButtonElement>(null);
  const refresh = useRefreshSharing();
  const toast = useToast();
  return (
    <section className="share-section" aria-labelledby={headingId}>
      <div className="share-section-head">
        <h3 id={headingId}>Links</h3>
        {creating ? null : (
          <button ref={newButtonRef} type="button" className="button button-small" onClick={() => setCreating(true)}>
            <Plus aria-hidden size={16} /> New link
          </button>
        )}
      </div>
      <p className="muted share-note">Anyone who has a link can open it without an account. Add a password, an end date or limits to keep it in check.</p>
      {creating ? (
        <LinkForm
          node={node}
          onCancel={() => {
            setCreating(false);
            requestAnimationFrame(() => newButtonRef.current?.focus());
          }}
          onDone={(link) => {
            setCreating(false);
            setFocusId(link.id);
            toast.success(`Link to “${node.name}” created`);
            void refresh();
          }}
        />
      ) : null}
      <LinkList node={node} focusId={focusId} onFocused={() => setFocusId(null)} onChanged={setFocusId} />
    </section>
  );
}

function LinkList({ node, focusId, onFocused, onChanged }: { node: ShareTarget; focusId: string | null; onFocused: () => void; onChanged: (id: string) => void }) {
  const api = useApi();
  const links = useQuery({ queryKey: nodeLinksKey(node.id), queryFn: () => api.nodeLinks(node.id) });
  const [revoking, setRevoking] = useState<Link | null>(null);
  const toast = useToast();
  const refresh = useRefreshSharing();
  if (links.isPending) return <Spinner label="Loading links" />;
  if (links.isError) return <ErrorNotice error={links.error} onRetry={() => void links.refetch()} />;
  const items = links.data.items;
  return (
    <>
      {items.length === 0 ? (
        <p className="muted share-empty">No links yet.</p>
      ) : (
        <ul className="link-list" aria-label={`Links to ${node.name}`}>
          {items.map((link) => (
            <LinkRow key={link.id} link={link} node={node} focusCopy={link.id === focusId} onFocused={onFocused} onChanged={onChanged} onRevoke={setRevoking} />
          ))}
        </ul>
      )}
      <ConfirmAction
        target={revoking}
        onClose={() => setRevoking(null)}
        title={revoking ? `Revoke ${linkTitle(revoking)}?` : 'Revoke the link?'}
        description="Anyone who opens it is told it no longer works. A revoked link cannot be turned back on; make a new one instead."
        confirmLabel="Revoke link"
        pendingLabel="Revoking…"
        run={(l) => api.revokeLink(l.id)}
        onSuccess={async (l) => {
          toast.success(`Revoked ${linkTitle(l)}`);
          await refresh();
        }}
      />
    </>
  );
}

export function linkTitle(link: Link): string {
  return link.name ? `the link “${link.name}”` : 'the link';
}

/** "3 of 10 downloads", "5 views": the counters with their limits. */
function countText(count: number, limit: number | null, word: string): string {
  const noun = (n: number) => `${word}${n === 1 ? '' : 's'}`;
  return limit ? `${count.toLocaleString()} of ${limit.toLocaleString()} ${noun(limit)}` : `${count.toLocaleString()} ${noun(count)}`;
}

interface LinkRowProps {
  link: Link;
  node: ShareTarget;
  focusCopy: boolean;
  onFocused: () => void;
  onChanged: (id: string) => void;
  onRevoke: (link: Link) => void;
}

function LinkRow({ link, node, focusCopy, onFocused, onChanged, onRevoke }: LinkRowProps) {
  const [editing, setEditing] = useState(false);
  const toast = useToast();
  const refresh = useRefreshSharing();
  const changeRef = useRef<HTMLButtonElement>(null);
  const title = link.name || 'Link without a name';
  const usable = link.state !== 'revoked';

  if (editing) {
    return (
      <li className="link-row">
        <LinkForm
          node={node}
          link={link}
          onCancel={() => {
            setEditing(false);
            requestAnimationFrame(() => changeRef.current?.focus());
          }}
          onDone={(changed) => {
            setEditing(false);
            onChanged(changed.id);
            toast.success(`Saved the changes to ${linkTitle(changed)}`);
            void refresh();
          }}
        />
      </li>
    );
  }

  const facts = [
    PERMISSION_LABEL[link.permission],
    link.expires_at ? `${link.state === 'expired' ? 'Ended' : 'Until'} ${formatDay(link.expires_at)}` : 'No end date',
    countText(link.views, link.max_views, 'view'),
    countText(link.downloads, link.max_downloads, 'download'),
  ];
  return (
    <li className="link-row">
      <div className="link-row-head">
        <Link2 aria-hidden size={18} className="link-row-icon" />
        <span className="link-row-name">{title}</span>
        <span className={STATE_BADGE[link.state]}>{STATE_LABEL[link.state]}</span>
        {link.has_password ? (
          <span className="badge">
            <Lock aria-hidden size={12} /> Password
          </span>
        ) : null}
      </div>
      <p className="muted link-row-facts">{facts.join(' · ')}</p>
      {usable ? (
        <div className="link-row-actions">
          <CopyLink link={link} title={title} autoFocus={focusCopy} onFocused={onFocused} />
          <button ref={changeRef} type="button" className="button button-small" aria-label={`Change ${title}`} onClick={() => setEditing(true)}>
            <Pencil aria-hidden size={16} /> Change
          </button>
          <button type="button" className="button button-small button-ghost bar-danger" aria-label={`Revoke ${title}`} onClick={() => onRevoke(link)}>
            <Trash2 aria-hidden size={16} /> Revoke
          </button>
        </div>
      ) : null}
    </li>
  );
}

/**
 * The link's address, selectable by hand, and a Copy button. Where the clipboard is out of reach
 * (plain HTTP, strict settings) the address is selected instead, ready for Ctrl+C.
 */
function CopyLink({ link, title, autoFocus, onFocused }: { link: Link; title: string; autoFocus: boolean; onFocused: () => void }) {
  const url = absoluteLinkUrl(link.url);
  const inputRef = useRef<HTMLInputElement>(null);
  const buttonRef = useRef<HTMLButtonElement>(null);
  const [status, setStatus] = useState<'idle' | 'copied' | 'selected'>('idle');
  useEffect(() => {
    if (!autoFocus) return;
    buttonRef.current?.focus();
    onFocused();
  }, [autoFocus, onFocused]);
  useEffect(() => {
    if (status !== 'copied') return;
    const timer = setTimeout(() => setStatus('idle'), 4000);
    return () => clearTimeout(timer);
  }, [status]);
  const copy = async () => {
    try {
      if (!navigator.clipboard) throw new Error('no clipboard');
      await navigator.clipboard.writeText(url);
      setStatus('copied');
    } catch {
      inputRef.current?.focus();
      inputRef.current?.select();
      setStatus('selected');
    }
  };
  return (
    <div className="link-copy">
      <input ref={inputRef} type="text" readOnly className="mono link-url" aria-label={`Address of ${title}`} value={url} onFocus={(e) => e.currentTarget.select()} />
      <button ref={buttonRef} type="button" className="button button-small" aria-label={`Copy ${title}`} onClick={() => void copy()}>
        {status === 'copied' ? <Check aria-hidden size={16} /> : <Copy aria-hidden size={16} />}
        Copy
      </button>
      <span className="sr-only" aria-live="polite">
        {status === 'copied' ? 'Link copied' : status === 'selected' ? 'Could not copy automatically: the address is selected, press Ctrl+C (⌘C on a Mac).' : ''}
      </span>
      {status === 'selected' ? (
        <span className="muted link-copy-hint" aria-hidden>
          Press Ctrl+C (⌘C on a Mac) to copy.
        </span>
      ) : null}
    </div>
  );
}
