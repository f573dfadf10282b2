/** Saves a blob under `fileName` the way a link download would. */
export function saveBlob(blob: Blob, fileName: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  a.rel = 'noopener';
  a.style.display = 'none';
  document.body.append(a);
  a.click();
  a.remove();
  // Some browsers read the URL after click() returns; give them a moment before freeing it.
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/** "coffer-audit-2024-05-02.csv", dated in the admin's own time zone. */
export function auditFileName(now: Date = new Date()): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `coffer-audit-${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}.csv`;
}
