/** Placeholder: being built. */
export function TrashPage() {
  return <h1>TrashPage</h1>;
}
