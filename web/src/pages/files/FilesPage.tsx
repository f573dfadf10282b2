/** Placeholder: being built. */
export function FilesPage() {
  return <h1>FilesPage</h1>;
}
