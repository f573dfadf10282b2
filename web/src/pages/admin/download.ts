/** "coffer-audit-2024-05-02.csv", dated in the admin's own time zone. */
export function auditFileName(now: Date = new Date()): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `coffer-audit-${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}.csv`;
}
