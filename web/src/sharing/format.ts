import type { LinkPermission, LinkState } from '../api/links-types';
import type { ShareRole } from '../api/share-types';
import type { FileNode } from '../api/types';

/** What the sharing screens need to know of an item. */
export type ShareTarget = Pick<FileNode, 'id' | 'name' | 'kind'>;

export const ROLE_LABEL: Record<ShareRole, string> = { viewer: 'Viewer', editor: 'Editor', manager: 'Manager' };

/** What each role allows, in the words the role picker shows. */
export const ROLE_HINT: Record<ShareRole, string> = {
  viewer: 'can open and download',
  editor: 'can also add, change and delete',
  manager: 'can also share with others',
};

export const PERMISSION_LABEL: Record<LinkPermission, string> = {
  read: 'View and download',
  upload: 'Upload only',
  'read-write': 'View, download and upload',
};

export const PERMISSION_HINT: Record<LinkPermission, string> = {
  read: 'Visitors can look at everything and download it.',
  upload: 'A drop box: visitors can add files but see nothing, not even other uploads.',
  'read-write': 'Visitors can look, download and add files.',
};

export const STATE_LABEL: Record<LinkState, string> = { active: 'Active', expired: 'Expired', exhausted: 'Limit reached', revoked: 'Revoked' };
export const STATE_BADGE: Record<LinkState, string> = { active: 'badge badge-success', expired: 'badge badge-warning', exhausted: 'badge badge-warning', revoked: 'badge badge-danger' };

const day = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' });

/** "5 Jun 2025": expiry is chosen by the day, so it is shown by the day. */
export function formatDay(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? '—' : day.format(d);
}

const pad = (n: number) => String(n).padStart(2, '0');

/** A Date as the value of an <input type="date">, in local time. */
export function toDateInput(d: Date): string {
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/** An expiry from the server as the value of a date input ('' for none). */
export function isoToDateInput(iso: string | null | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? '' : toDateInput(d);
}

/**
 * A chosen expiry day as the instant it ends in the person's own time zone: "until 5 June"
 * means through the whole of that day. '' means no expiry.
 */
export function dateInputToIso(value: string): string | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!m) return null;
  const end = new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]), 23, 59, 59, 999);
  return Number.isNaN(end.getTime()) ? null : end.toISOString();
}

export function isPast(iso: string | null | undefined, now = Date.now()): boolean {
  return !!iso && new Date(iso).getTime() <= now;
}

/** The address to hand out for a link: this page's origin plus the link's path. */
export function absoluteLinkUrl(url: string, origin: string = window.location.origin): string {
  return new URL(url, origin).href;
}

export function personName(p: { display_name: string; username: string }): string {
  return p.display_name || p.username;
}
