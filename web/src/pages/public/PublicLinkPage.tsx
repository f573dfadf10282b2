import { useQuery } from '@tanstack/react-query';
import { Link2Off, SearchX } from 'lucide-react';
import { useEffect, type ReactNode } from 'react';
import { ApiError } from '../../api/errors';
import { Logo } from '../../layout/Logo';
import { ErrorNotice, Spinner } from '../../ui/Feedback';
import { LockedForm } from './LockedForm';
import { PublicFile } from './PublicFile';
import { PublicFolder } from './PublicFolder';
import { usePublicApi } from './publicApi';
import { PublicUpload } from './PublicUpload';

export const linkInfoKey = (token: string) => ['public-link', token] as const;

/**
 * The page behind a public link, /s/<token>: for anyone, signed in or not. Asks for the password
 * when there is one, then shows the file, the folder, or the drop box the link is for.
 */
export function PublicLinkPage({ token }: { token: string }) {
  const api = usePublicApi();
  const info = useQuery({
    queryKey: linkInfoKey(token),
    queryFn: ({ signal }) => api.info(token, signal),
    // Every answer counts a view: ask once, not again on focus or when a screen remounts.
    staleTime: Infinity,
    refetchOnWindowFocus: false,
    refetchOnReconnect: false,
    retry: false,
  });

  const title = info.data?.name || info.data?.node?.name;
  useEffect(() => {
    const before = document.title;
    document.title = title ? `${title} · Coffer` : 'Shared with Coffer';
    return () => {
      document.title = before;
    };
  }, [title]);

  let content: ReactNode;
  if (info.isPending) content = <Spinner label="Opening the link" />;
  else if (info.isError) content = <LinkProblem error={info.error} onRetry={() => void info.refetch()} />;
  else if (!info.data.node || (info.data.requires_password && !info.data.unlocked)) content = <LockedForm token={token} name={info.data.name} />;
  else {
    const { node, permission } = info.data;
    if (node.kind === 'file') content = <PublicFile token={token} info={info.data} file={node} />;
    else if (permission === 'upload') content = <PublicUpload token={token} title={info.data.name || node.name} expiresAt={info.data.expires_at} />;
    else content = <PublicFolder token={token} info={info.data} root={node} />;
  }

  return (
    <div className="public-page">
      <header className="public-header">
        <Logo />
      </header>
      <main id="main" className="public-main" tabIndex={-1}>
        {content}
      </main>
      <footer className="public-footer muted">Shared with Coffer. Whoever sent you this link decides what it shows and how long it works.</footer>
    </div>
  );
}

/** Unknown, used up, expired or revoked: say so plainly, without a way to try that cannot work. */
function LinkProblem({ error, onRetry }: { error: unknown; onRetry: () => void }) {
  if (error instanceof ApiError && error.status === 404) {
    return (
      <PublicMessage icon={<SearchX aria-hidden size={40} />} title="This link does not exist">
        Check that the address is complete, or ask the person who sent it for a new link.
      </PublicMessage>
    );
  }
  if (error instanceof ApiError && error.status === 410) {
    return (
      <PublicMessage icon={<Link2Off aria-hidden size={40} />} title="This link no longer works">
        {/* The server says why (expired, used up, switched off) and what to do; this is the fallback. */}
        {error.problem.detail ?? 'Ask the person who sent it for a new link.'}
      </PublicMessage>
    );
  }
  return (
    <>
      <h1 className="sr-only">Shared link</h1>
      <ErrorNotice error={error} onRetry={onRetry} />
    </>
  );
}

/** A full-page message with the page's one heading. */
function PublicMessage({ icon, title, children }: { icon: ReactNode; title: string; children: ReactNode }) {
  return (
    <div className="empty-state public-message">
      {icon}
      <h1>{title}</h1>
      <p>{children}</p>
    </div>
  );
}
