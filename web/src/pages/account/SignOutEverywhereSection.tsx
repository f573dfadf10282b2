import { LogOut } from 'lucide-react';
import { useState } from 'react';
import { ConfirmDialog } from '../../ui/Modal';
import { InlineError } from '../../ui/InlineError';

/** Ends every browser and API session of the account, this one included. */
export function SignOutEverywhereSection({ signOutEverywhere }: { signOutEverywhere: () => Promise<void> }) {
  const [open, setOpen] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  const confirm = async () => {
    setBusy(true);
    setError(null);
    try {
      // On success the app returns to the sign-in screen; nothing here to update.
      await signOutEverywhere();
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };

  return (
    <section className="card" aria-labelledby="account-sessions">
      <h2 id="account-sessions">Sessions</h2>
      <p className="account-note">
        Signed in on a computer you no longer use, or lost a phone? Sign out of Coffer in every browser at once, this one included. Devices connected with app passwords are not affected: revoke
        their app passwords or sign them out above.
      </p>
      <button type="button" className="button" onClick={() => setOpen(true)}>
        <LogOut aria-hidden size={18} />
        Sign out everywhere
      </button>
      <ConfirmDialog
        open={open}
        onOpenChange={(next) => {
          if (busy) return;
          setError(null);
          setOpen(next);
        }}
        title="Sign out everywhere?"
        description={
          <>
            You will be signed out in every browser, including this one, and need to sign in again.
            <InlineError error={error} />
          </>
        }
        confirmLabel={busy ? 'Signing out…' : 'Sign out everywhere'}
        danger
        busy={busy}
        onConfirm={() => void confirm()}
      />
    </section>
  );
}
