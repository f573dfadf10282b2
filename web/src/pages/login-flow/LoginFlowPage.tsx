import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { CheckCircle2, Laptop, ShieldAlert, XCircle } from 'lucide-react';
import { useId } from 'react';
import { APP_PASSWORDS_QUERY } from '../account/AppPasswordsSection';
import type { GrantedLoginFlow, LoginFlowKind } from '../../api/login-flow-types';
import { useApi } from '../../app-context';
import { Logo } from '../../layout/Logo';
import { ErrorNotice, Spinner } from '../../ui/Feedback';
import { formatDate } from '../../ui/format';

/** How the page hands an nc://login/… address to the app's web view (replaced in tests). */
export type OpenAddress = (url: string) => void;

const openInThisWindow: OpenAddress = (url) => window.location.assign(url);

/**
 * Where a person lets a device in (Nextcloud's login flows). The device opened this page at
 * /login/v2/flow/{token} (login flow v2: it then polls for its password) or /login/flow/{token}
 * (the older flow, in the app's web view: the grant's nc:// address hands the password over).
 * Signed-out visitors see the sign-in form first and come back here, the address unchanged.
 */
export function LoginFlowPage({ token, username, openAddress = openInThisWindow }: { token: string; username: string; openAddress?: OpenAddress }) {
  const api = useApi();
  const queryClient = useQueryClient();
  const headingId = useId();
  const flow = useQuery({ queryKey: ['login-flow', token], queryFn: () => api.loginFlow(token), retry: false, refetchOnWindowFocus: false, staleTime: Infinity });
  const grant = useMutation({
    mutationFn: () => api.grantLoginFlow(token),
    onSuccess: (granted: GrantedLoginFlow) => {
      void queryClient.invalidateQueries({ queryKey: APP_PASSWORDS_QUERY });
      if (granted.redirect_url) openAddress(granted.redirect_url);
    },
  });
  const refuse = useMutation({ mutationFn: () => api.refuseLoginFlow(token) });
  const answering = grant.isPending || refuse.isPending;

  let content;
  if (flow.isPending) {
    content = <Spinner label="Looking up the device" />;
  } else if (flow.isError) {
    content = (
      <>
        <h1 id={headingId}>Connect a device</h1>
        <ErrorNotice error={flow.error} />
      </>
    );
  } else if (grant.isSuccess) {
    content = <Answered kind={flow.data.kind} granted device={flow.data.client_name} headingId={headingId} />;
  } else if (refuse.isSuccess) {
    content = <Answered kind={flow.data.kind} granted={false} device={flow.data.client_name} headingId={headingId} />;
  } else {
    content = (
      <>
        <h1 id={headingId}>Connect a device?</h1>
        <p className="login-flow-device">
          <Laptop aria-hidden size={20} />
          <strong className="wrap-anywhere">{flow.data.client_name}</strong>
        </p>
        <p>
          This device asks for access to your files as <strong>{username}</strong>. It gets an app password of its own, named after it, which you can revoke at any time
          under Account → App passwords and Devices.
        </p>
        <p className="notice notice-warning">
          <ShieldAlert aria-hidden size={18} />
          <span>Only grant access if you started this sign-in yourself, on that device, just now.</span>
        </p>
        <p className="muted">
          Asked {flow.data.client_ip ? `from ${flow.data.client_ip} ` : ''}on {formatDate(flow.data.created_at)}; valid until {formatDate(flow.data.expires_at)}.
        </p>
        {grant.isError ? <ErrorNotice error={grant.error} /> : null}
        {refuse.isError ? <ErrorNotice error={refuse.error} /> : null}
        <div className="button-row">
          <button type="button" className="button" disabled={answering} onClick={() => refuse.mutate()}>
            {refuse.isPending ? 'Cancelling…' : 'Cancel'}
          </button>
          <button type="button" className="button button-primary" disabled={answering} onClick={() => grant.mutate()}>
            {grant.isPending ? 'Granting…' : 'Grant access'}
          </button>
        </div>
      </>
    );
  }

  return (
    <main className="login-page">
      <section className="login-card login-flow-card" aria-labelledby={headingId} aria-busy={flow.isPending || answering}>
        <Logo />
        {content}
      </section>
    </main>
  );
}

function Answered({ kind, granted, device, headingId }: { kind: LoginFlowKind; granted: boolean; device: string; headingId: string }) {
  if (!granted) {
    return (
      <>
        <h1 id={headingId}>Access refused</h1>
        <p className="notice notice-info" role="status">
          <XCircle aria-hidden size={18} />
          <span>
            <strong className="wrap-anywhere">{device}</strong> was not connected. You can close this window.
          </span>
        </p>
      </>
    );
  }
  return (
    <>
      <h1 id={headingId}>Access granted</h1>
      <p className="notice notice-success" role="status">
        <CheckCircle2 aria-hidden size={18} />
        <span>
          <strong className="wrap-anywhere">{device}</strong>{' '}
          {kind === 'poll' ? 'is connecting to your account now.' : 'is being handed its credentials.'} You can close this window.
        </span>
      </p>
    </>
  );
}
