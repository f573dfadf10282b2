export function Logo({ compact = false }: { compact?: boolean }) {
  return (
    <span className="logo">
      <svg viewBox="0 0 32 32" width="28" height="28" aria-hidden focusable="false">
        <rect x="2" y="6" width="28" height="22" rx="5" fill="currentColor" opacity="0.18" />
        <path d="M6 12a4 4 0 0 1 4-4h5l3 3h4a4 4 0 0 1 4 4v7a4 4 0 0 1-4 4H10a4 4 0 0 1-4-4z" fill="currentColor" />
      </svg>
      {compact ? null : <span className="logo-text">Coffer</span>}
    </span>
  );
}
