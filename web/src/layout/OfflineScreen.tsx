import { WifiOff } from 'lucide-react';
import { Logo } from './Logo';

/** Shown when the app shell started from the cache but Coffer cannot be reached. */
export function OfflineScreen() {
  return (
    <main className="login-page">
      <div className="login-card" role="status">
        <Logo />
        <h1>
          <WifiOff aria-hidden size={22} /> You are offline
        </h1>
        <p className="muted">Coffer cannot be reached right now. Your files will appear again as soon as the connection is back; this page reconnects by itself.</p>
        <button type="button" className="button button-primary" onClick={() => window.location.reload()}>
          Try again
        </button>
      </div>
    </main>
  );
}
