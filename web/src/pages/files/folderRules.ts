import type { FolderPolicies, FolderPolicy, FolderPolicyChange } from '../../api/org-types';
import { formatBytes } from '../../ui/format';

const MB = 1024 ** 2;

/** What the folder rules form holds while someone edits it. */
export interface RulesForm {
  /** Extensions, separated by commas or spaces ("zip, pdf"); empty for any. */
  extensions: string;
  /** Media types, separated by commas or spaces ("application/zip, image/*"); empty for any. */
  types: string;
  /** Megabytes; empty for no limit. */
  maxMb: string;
  writeOnce: boolean;
  /** Days after which items unchanged here are deleted for good; empty: kept. */
  maxAgeDays: string;
}

export function rulesForm(own: FolderPolicy | null): RulesForm {
  return {
    extensions: own?.allowed_extensions?.join(', ') ?? '',
    types: own?.allowed_types?.join(', ') ?? '',
    maxMb: own?.max_file_bytes === null || own?.max_file_bytes === undefined ? '' : String(own.max_file_bytes / MB),
    writeOnce: own?.write_once ?? false,
    maxAgeDays: own?.max_age_hours === null || own?.max_age_hours === undefined ? '' : String(Math.round((own.max_age_hours / 24) * 100) / 100),
  };
}

function list(text: string, clean: (item: string) => string = (item) => item): string[] | null {
  const items = text
    .split(/[\s,]+/)
    .map((item) => clean(item.trim()))
    .filter((item) => item.length > 0);
  return items.length === 0 ? null : [...new Set(items)];
}

/**
 * The policy to send, or why the size cannot be one. Extensions lose a leading dot and their case
 * ("·PDF" is "pdf"); what an extension or media type may look like is the server's to check.
 */
export function policyChange(form: RulesForm): { ok: true; change: FolderPolicyChange } | { ok: false; error: string } {
  let max: number | null = null;
  const size = form.maxMb.trim();
  if (size !== '') {
    const value = Number(size);
    if (!Number.isFinite(value) || value < 0) return { ok: false, error: 'Enter a size of 0 MB or more, or leave it empty for no limit' };
    max = Math.round(value * MB);
  }
  let maxAge: number | null = null;
  const age = form.maxAgeDays.trim();
  if (age !== '') {
    const days = Number(age);
    if (!Number.isFinite(days) || days <= 0 || days > 3650) return { ok: false, error: 'Enter a number of days from 1 hour’s worth (0.05) to 3650, or leave it empty to keep items' };
    maxAge = Math.max(1, Math.round(days * 24));
  }
  return {
    ok: true,
    change: {
      allowed_extensions: list(form.extensions, (e) => e.replace(/^\./, '').toLowerCase()),
      allowed_types: list(form.types, (t) => t.toLowerCase()),
      max_file_bytes: max,
      write_once: form.writeOnce,
      max_age_hours: maxAge,
    },
  };
}

/** What applies in a folder, inherited rules included, in words: one line a rule. */
export function describeEffective(effective: FolderPolicies['effective'], folderId: string): string[] {
  const lines: string[] = [];
  if (effective.allowed_extensions) lines.push(`Only ${effective.allowed_extensions.map((e) => `.${e}`).join(', ')} files`);
  if (effective.allowed_types) lines.push(`Only content of type ${effective.allowed_types.join(', ')}`);
  if (effective.max_file_bytes !== null) lines.push(`Files up to ${formatBytes(effective.max_file_bytes)}`);
  if (effective.write_once) lines.push(effective.write_once_folder_id === folderId ? 'Write-once, set on this folder' : 'Write-once, set on a folder above');
  if (effective.originals_folder_id) lines.push('Files here are made from originals, and name the one they came from');
  return lines;
}
