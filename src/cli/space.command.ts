import { notFound } from '../core/errors.js';
import type { ShareRole } from '../db/schema.js';
import type { SpaceMemberRow, SpaceRow } from '../repositories/org.repository.js';
import { formatBytes } from '../util/bytes.js';
import { cliCallContext, EXIT_OK, expectArgs, leaf, oneOf, out, printJson, quotaOption, subcommands, table, timeCell, UsageError, wholeNumber, withCore } from './cli-kit.js';
import { findSpace, readJsonFile } from './refs.js';

const SPACE_ROLES: readonly ShareRole[] = ['viewer', 'editor', 'manager'];
const json = { type: 'boolean', default: false } as const;

function spaceJson(s: SpaceRow) {
  return {
    id: s.id,
    name: s.name,
    org: s.org_slug,
    root_folder_id: s.root_node_id,
    quota_bytes: s.quota_bytes === null ? null : Number(s.quota_bytes),
    used_bytes: Number(s.used_bytes),
    trash_retention_days: s.trash_retention_days,
    layout: s.layout ?? null,
    timestamp_names: s.timestamp_names,
    created_at: new Date(s.created_at).toISOString(),
  };
}

function memberJson(m: SpaceMemberRow) {
  return {
    id: m.id,
    role: m.role,
    user: m.user_id && m.username ? { id: m.user_id, username: m.username } : null,
    group: m.group_id && m.group_name ? { id: m.group_id, name: m.group_name } : null,
    created_at: m.created_at.toISOString(),
  };
}

const create = leaf(
  'Create a space of an organisation: ORG NAME [--quota] [--trash-days] [--layout-file] [--template]',
  `Usage: coffer space create ORG NAME [--quota SIZE] [--trash-days N] [--layout-file FILE] [--template NAME] [--timestamp-names] [--json]

Creates a space (a shared drive) of the organisation and prints its id, which service-account
scopes, signed URLs and the path-addressed API (/api/v1/spaces/{id}/content/…) name it by.

Options:
  --quota SIZE         storage limit such as 10G, 500MiB or unlimited (default: unlimited)
  --trash-days N       days trashed items are kept; 0 keeps them until the trash is emptied
                       (default: COFFER_TRASH_RETENTION_DAYS)
  --layout-file FILE   a path layout as JSON, e.g. {"pattern": "{system}/{objectId}/{file}",
                       "values": {"system": ["accounting", "workspace"]}}; writes elsewhere are refused
  --template NAME      a shipped space template (backup-device: a folder per device with
                       originals/, derived/, exports/, deleted/, tmp/); the space takes its layout
  --timestamp-names    stored file names start with the upload time
  --json               print the space as JSON
  -h, --help           show this help
`,
  { quota: { type: 'string' }, 'trash-days': { type: 'string' }, 'layout-file': { type: 'string' }, template: { type: 'string' }, 'timestamp-names': { type: 'boolean', default: false }, json },
  async (config, { values, positionals }) => {
    const [org, name] = expectArgs(positionals, ['ORG', 'NAME']);
    const quotaBytes = values.quota === undefined ? null : quotaOption('quota', values.quota);
    const trashRetentionDays = values['trash-days'] === undefined ? null : wholeNumber('trash-days', values['trash-days'], 0, 36_500);
    const layout = values['layout-file'] === undefined ? undefined : readJsonFile('layout-file', values['layout-file']);
    return withCore(config, async (core) => {
      const space = await core.spaces.create(cliCallContext(), org, { name, quotaBytes, trashRetentionDays, layout, template: values.template, timestampNames: values['timestamp-names'] });
      if (values.json) printJson(spaceJson(space));
      else out(`Created space "${space.name}" of ${org}, id ${space.id}`);
      return EXIT_OK;
    });
  },
);

const list = leaf(
  'List the spaces of an organisation: ORG [--json]',
  `Usage: coffer space list ORG [--json]

Lists the organisation's spaces: id, name, storage used of quota, trash retention, layout.

Options:
  --json       print a JSON array instead of a table
  -h, --help   show this help
`,
  { json },
  async (config, { values, positionals }) => {
    const [org] = expectArgs(positionals, ['ORG']);
    return withCore(config, async (core) => {
      const spaces = await core.spaces.ofOrg(cliCallContext(), org);
      if (values.json) printJson(spaces.map(spaceJson));
      else
        out(
          table(
            ['ID', 'NAME', 'USED / QUOTA', 'TRASH DAYS', 'LAYOUT', 'CREATED'],
            spaces.map((s) => [
              s.id,
              s.name,
              `${formatBytes(Number(s.used_bytes))} / ${s.quota_bytes === null ? 'unlimited' : formatBytes(Number(s.quota_bytes))}`,
              s.trash_retention_days === null ? 'default' : String(s.trash_retention_days),
              s.layout ? String((s.layout as { pattern?: unknown }).pattern ?? 'yes') : '-',
              timeCell(new Date(s.created_at)),
            ]),
          ),
        );
      return EXIT_OK;
    });
  },
);

/** USER, or group:NAME, as setMember takes them. */
function memberRef(text: string): { user?: string; group?: string } {
  if (text.startsWith('group:')) {
    const group = text.slice('group:'.length);
    if (group.trim() === '') throw new UsageError('Name the group after "group:", e.g. group:accounting');
    return { group };
  }
  return { user: text };
}

const memberAdd = leaf(
  'Give a member or group a role on a space: SPACE USER|group:NAME --role ROLE',
  `Usage: coffer space member add SPACE USER|group:NAME --role viewer|editor|manager

Gives a member of the space's organisation (username, email or id), or one of its groups
(group:NAME), a role on the space, or changes it. SPACE is its id, or ORG/NAME.

Options:
  --role ROLE   viewer (open and download), editor (also add, change and delete) or
                manager (also share, purge the trash and manage the space) (required)
  -h, --help    show this help
`,
  { role: { type: 'string' } },
  async (config, { values, positionals }) => {
    const [spaceRef, who] = expectArgs(positionals, ['SPACE', 'USER|group:NAME']);
    if (values.role === undefined) throw new UsageError('Give the role with --role viewer|editor|manager');
    const role = oneOf('role', values.role, SPACE_ROLES);
    return withCore(config, async (core) => {
      const ctx = cliCallContext();
      const space = await findSpace(core, ctx, spaceRef);
      const member = await core.spaces.setMember(ctx, space.id, memberRef(who), role);
      out(`${member.username ?? `group ${member.group_name ?? ''}`} is ${role} of the space "${space.name}"`);
      return EXIT_OK;
    });
  },
);

const memberRemove = leaf(
  'Take a member or group off a space: SPACE USER|group:NAME',
  `Usage: coffer space member remove SPACE USER|group:NAME

Takes the member's or group's role on the space away (their organisation membership stays).
SPACE is its id, or ORG/NAME.

Options:
  -h, --help   show this help
`,
  {},
  async (config, { positionals }) => {
    const [spaceRef, who] = expectArgs(positionals, ['SPACE', 'USER|group:NAME']);
    const ref = memberRef(who);
    return withCore(config, async (core) => {
      const ctx = cliCallContext();
      const space = await findSpace(core, ctx, spaceRef);
      const members = await core.spaces.members(ctx, space.id);
      const wanted = (ref.user ?? ref.group ?? '').toLowerCase();
      const found = members.find((m) => (ref.user !== undefined ? m.username?.toLowerCase() === wanted || m.user_id === ref.user : m.group_name?.toLowerCase() === wanted || m.group_id === ref.group));
      if (!found) throw notFound(`${who} holds no role on the space "${space.name}"`);
      await core.spaces.removeMember(ctx, space.id, found.id);
      out(`Removed ${who} from the space "${space.name}"`);
      return EXIT_OK;
    });
  },
);

const memberList = leaf(
  'List who holds which role on a space: SPACE [--json]',
  `Usage: coffer space member list SPACE [--json]

SPACE is its id, or ORG/NAME. Organisation owners and admins manage every space besides.

Options:
  --json       print a JSON array instead of a table
  -h, --help   show this help
`,
  { json },
  async (config, { values, positionals }) => {
    const [spaceRef] = expectArgs(positionals, ['SPACE']);
    return withCore(config, async (core) => {
      const ctx = cliCallContext();
      const space = await findSpace(core, ctx, spaceRef);
      const members = await core.spaces.members(ctx, space.id);
      if (values.json) printJson(members.map(memberJson));
      else out(table(['MEMBER', 'ROLE', 'SINCE'], members.map((m) => [m.username ?? `group:${m.group_name ?? '?'}`, m.role, timeCell(m.created_at)])));
      return EXIT_OK;
    });
  },
);

const member = subcommands('space member', 'Manage who holds which role on a space', { add: memberAdd, remove: memberRemove, list: memberList });

export const spaceCommand = subcommands('space', 'Manage the spaces (shared drives) of organisations', { create, list, member });
