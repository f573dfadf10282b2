/** The folder an item was in, from its full original path: "/Docs/a.txt" → "/Docs", "/a.txt" → "/". */
export function folderOf(path: string | null): string {
  if (!path) return '/';
  const trimmed = path.length > 1 ? path.replace(/\/+$/, '') : path;
  const cut = trimmed.lastIndexOf('/');
  return cut <= 0 ? '/' : trimmed.slice(0, cut);
}
