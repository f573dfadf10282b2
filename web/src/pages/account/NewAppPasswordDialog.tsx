import { AlertTriangle, Check, Copy } from 'lucide-react';
import { useMemo, useRef, useState } from 'react';
import type { CreatedAppPassword } from '../../api/types';
import { Modal } from '../../ui/Modal';
import { clientGuides, webDavEndpoint, type ClientGuide } from './webdav';

interface NewAppPasswordDialogProps {
  created: CreatedAppPassword | null;
  username: string;
  onClose: () => void;
  /** The address the web app is served from; WebDAV lives under it. */
  origin?: string;
}

/** The one and only showing of a new app password, with what to do with it. */
export function NewAppPasswordDialog({ created, username, onClose, origin = window.location.origin }: NewAppPasswordDialogProps) {
  const endpoint = useMemo(() => webDavEndpoint(origin), [origin]);
  const guides = useMemo(() => (created ? clientGuides(endpoint, username, created.password) : []), [endpoint, username, created]);
  return (
    <Modal
      open={created !== null}
      onOpenChange={(open) => !open && onClose()}
      wide
      title={created ? `App password “${created.name}” created` : 'App password created'}
      description="Use it with your username to connect a WebDAV client or a script."
      footer={
        <button type="button" className="button button-primary" onClick={onClose}>
          Done
        </button>
      }
    >
      {created ? (
        <div className="new-app-password">
          <p className="notice notice-warning">
            <AlertTriangle aria-hidden size={18} />
            <span>Copy the password now: it is shown only this once. If you lose it, revoke it and create a new one.</span>
          </p>
          <dl className="account-facts">
            <div>
              <dt>App password</dt>
              <dd>
                <SecretWithCopy secret={created.password} />
              </dd>
            </div>
            <div>
              <dt>Username</dt>
              <dd className="mono">{username}</dd>
            </div>
            <div>
              <dt>WebDAV address</dt>
              <dd className="mono webdav-url">{endpoint.url}</dd>
            </div>
          </dl>
          <h3 className="client-guides-title">Connect a client</h3>
          <div className="client-guides">
            {guides.map((guide) => (
              <GuideDetails key={guide.id} guide={guide} />
            ))}
          </div>
        </div>
      ) : null}
    </Modal>
  );
}

function SecretWithCopy({ secret }: { secret: string }) {
  const secretRef = useRef<HTMLElement>(null);
  const [status, setStatus] = useState<'idle' | 'copied' | 'selected'>('idle');

  // Selecting the text lets a person copy by hand where the clipboard API is missing or refused
  // (plain-HTTP pages, strict browser settings).
  const selectSecret = () => {
    const node = secretRef.current;
    const selection = window.getSelection();
    if (!node || !selection) return;
    const range = document.createRange();
    range.selectNodeContents(node);
    selection.removeAllRanges();
    selection.addRange(range);
  };

  const copy = async () => {
    try {
      if (!navigator.clipboard) throw new Error('no clipboard');
      await navigator.clipboard.writeText(secret);
      setStatus('copied');
    } catch {
      selectSecret();
      setStatus('selected');
    }
  };

  return (
    <div className="secret-box">
      <code className="mono secret-value" data-testid="new-app-password" ref={secretRef}>
        {secret}
      </code>
      <button type="button" className="button button-small" onClick={() => void copy()}>
        {status === 'copied' ? <Check aria-hidden size={16} /> : <Copy aria-hidden size={16} />}
        Copy
      </button>
      <span className="secret-status" aria-live="polite">
        {status === 'copied' ? 'Copied' : status === 'selected' ? 'Could not copy automatically: the password is selected, press Ctrl+C (⌘C on a Mac).' : ''}
      </span>
    </div>
  );
}

function GuideDetails({ guide }: { guide: ClientGuide }) {
  return (
    <details className="client-guide">
      <summary>{guide.name}</summary>
      <ol>
        {guide.steps.map((step) => (
          <li key={step}>{step}</li>
        ))}
      </ol>
      {guide.commands ? (
        <pre className="command">
          <code>{guide.commands.join('\n')}</code>
        </pre>
      ) : null}
      {guide.warning ? <p className="muted client-guide-note">{guide.warning}</p> : null}
    </details>
  );
}
