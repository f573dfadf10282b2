/**
 * After the row holding keyboard focus disappears, focus falls to the page body; put it back
 * somewhere meaningful (usually the section heading) so keyboard users keep their place.
 */
export function refocusIfLost(target: HTMLElement | null): void {
  const active = document.activeElement;
  if (!active || active === document.body) target?.focus();
}
