import type { OrgRole } from '../db/schema.js';
import type { OrgMemberRow, OrgRow } from '../repositories/org.repository.js';
import { cliCallContext, EXIT_OK, expectArgs, leaf, oneOf, out, printJson, subcommands, table, timeCell, UsageError, withCore } from './cli-kit.js';

const ORG_ROLES: readonly OrgRole[] = ['owner', 'admin', 'member', 'guest'];

const json = { type: 'boolean', default: false } as const;

function orgJson(o: OrgRow) {
  return {
    id: o.id,
    slug: o.slug,
    name: o.name,
    status: o.status,
    signed_url_max_seconds: o.signed_url_max_seconds,
    member_count: Number(o.member_count),
    space_count: Number(o.space_count),
    created_at: o.created_at.toISOString(),
  };
}

function memberJson(m: OrgMemberRow) {
  return { user_id: m.user_id, username: m.username, display_name: m.display_name, email: m.email, role: m.role, created_at: m.created_at.toISOString() };
}

const create = leaf(
  'Create an organisation: SLUG --name TEXT --owner USER',
  `Usage: coffer org create SLUG --name TEXT --owner USER [--tenant] [--json]

Creates an organisation with its first owner (an existing account: username, email or id).
SLUG is its handle in URLs and in these commands: 2–63 lower-case letters, digits and "-".

Options:
  --name TEXT    the organisation's name, as people see it (required)
  --owner USER   its first owner (required)
  --tenant       a customer tenant: its admins, and this command line, never reach its files;
                 its owners give access (support sessions, space roles, service accounts)
  --json         print the organisation as JSON
  -h, --help     show this help
`,
  { name: { type: 'string' }, owner: { type: 'string' }, tenant: { type: 'boolean', default: false }, json },
  async (config, { values, positionals }) => {
    const [slug] = expectArgs(positionals, ['SLUG']);
    if (values.name === undefined) throw new UsageError('Give the organisation’s name with --name');
    if (values.owner === undefined) throw new UsageError('Give its first owner with --owner USER');
    const { name, owner } = values;
    return withCore(config, async (core) => {
      const ctx = cliCallContext();
      const org = await core.orgs.get(ctx, (await core.orgs.create(ctx, { slug, name, owner, tenant: values.tenant })).id);
      if (values.json) printJson(orgJson(org));
      else out(`Created organisation ${org.slug} ("${org.name}", id ${org.id}) with owner ${owner}`);
      return EXIT_OK;
    });
  },
);

const list = leaf(
  'List every organisation (--json for machine-readable output)',
  `Usage: coffer org list [--json]

Lists every organisation: handle, name, status, members, spaces, creation time.

Options:
  --json       print a JSON array instead of a table
  -h, --help   show this help
`,
  { json },
  async (config, { values, positionals }) => {
    expectArgs(positionals, []);
    return withCore(config, async (core) => {
      const orgs = await core.orgs.list(cliCallContext(), true);
      if (values.json) printJson(orgs.map(orgJson));
      else
        out(
          table(
            ['SLUG', 'NAME', 'STATUS', 'MEMBERS', 'SPACES', 'CREATED'],
            orgs.map((o) => [o.slug, o.name, o.status, String(o.member_count), String(o.space_count), timeCell(o.created_at)]),
          ),
        );
      return EXIT_OK;
    });
  },
);

function statusCommand(status: 'active' | 'suspended') {
  const verb = status === 'suspended' ? 'suspend' : 'reactivate';
  return leaf(
    status === 'suspended' ? 'Suspend an organisation: its spaces and keys stop working' : 'Reactivate a suspended organisation',
    `Usage: coffer org ${verb} ORG

${
  status === 'suspended'
    ? 'Suspends the organisation (handle or id): from the next request on, on every server, nobody\nreaches its spaces and its API keys are refused. Nothing is deleted.'
    : 'Reactivates a suspended organisation (handle or id): its members and keys work again.'
}

Options:
  -h, --help   show this help
`,
    {},
    async (config, { positionals }) => {
      const [ref] = expectArgs(positionals, ['ORG']);
      return withCore(config, async (core) => {
        const org = await core.orgs.setStatus(cliCallContext(), ref, status);
        out(`${status === 'suspended' ? 'Suspended' : 'Reactivated'} organisation ${org.slug}`);
        return EXIT_OK;
      });
    },
  );
}

const remove = leaf(
  'Delete an organisation and everything in it: ORG --confirm ORG',
  `Usage: coffer org delete ORG --confirm ORG

Deletes the organisation and purges every space of it with all its files, for good. --confirm
must repeat its handle. Its audit trail stays, with this deletion in it.

Options:
  --confirm ORG   the organisation's handle again (required)
  -h, --help      show this help
`,
  { confirm: { type: 'string' } },
  async (config, { values, positionals }) => {
    const [ref] = expectArgs(positionals, ['ORG']);
    if (values.confirm === undefined) throw new UsageError(`Deleting purges every file of the organisation; repeat its handle with --confirm`);
    const confirm = values.confirm;
    return withCore(config, async (core) => {
      const { spaces } = await core.orgs.delete(cliCallContext(), ref, confirm);
      out(`Deleted organisation ${ref} and its ${spaces} space${spaces === 1 ? '' : 's'}`);
      return EXIT_OK;
    });
  },
);

const memberAdd = leaf(
  'Add a member, or change their role: ORG USER [--role ROLE]',
  `Usage: coffer org member add ORG USER [--role owner|admin|member|guest]

Makes an account (username, email or id) a member of the organisation with a role, or changes
the role of a member. owner and admin run the organisation and manage every space; member gets
what their space roles allow; guest is read-only. The last owner cannot be made anything else.

Options:
  --role ROLE   owner, admin, member or guest (default: member)
  -h, --help    show this help
`,
  { role: { type: 'string', default: 'member' } },
  async (config, { values, positionals }) => {
    const [ref, user] = expectArgs(positionals, ['ORG', 'USER']);
    const role = oneOf('role', values.role, ORG_ROLES);
    return withCore(config, async (core) => {
      const member = await core.orgs.setMember(cliCallContext(), ref, user, role);
      out(`${member.username} is ${role === 'owner' || role === 'admin' ? 'an' : 'a'} ${role} of ${ref}`);
      return EXIT_OK;
    });
  },
);

const memberRemove = leaf(
  'Take a member out: ORG USER',
  `Usage: coffer org member remove ORG USER

Takes the member out of the organisation, with their roles on its spaces; from the next request
on they reach nothing of it. The last owner cannot be removed.

Options:
  -h, --help   show this help
`,
  {},
  async (config, { positionals }) => {
    const [ref, user] = expectArgs(positionals, ['ORG', 'USER']);
    return withCore(config, async (core) => {
      await core.orgs.removeMember(cliCallContext(), ref, user);
      out(`Removed ${user} from ${ref}`);
      return EXIT_OK;
    });
  },
);

const memberList = leaf(
  'List the members and their roles: ORG [--json]',
  `Usage: coffer org member list ORG [--json]

Options:
  --json       print a JSON array instead of a table
  -h, --help   show this help
`,
  { json },
  async (config, { values, positionals }) => {
    const [ref] = expectArgs(positionals, ['ORG']);
    return withCore(config, async (core) => {
      const members = await core.orgs.members(cliCallContext(), ref);
      if (values.json) printJson(members.map(memberJson));
      else out(table(['USERNAME', 'ROLE', 'EMAIL', 'SINCE'], members.map((m) => [m.username, m.role, m.email ?? '-', timeCell(m.created_at)])));
      return EXIT_OK;
    });
  },
);

const member = subcommands('org member', 'Manage the members of an organisation', { add: memberAdd, remove: memberRemove, list: memberList });

export const orgCommand = subcommands('org', 'Manage organisations (the CLI acts as the instance’s operator; every change is audited)', {
  create,
  list,
  suspend: statusCommand('suspended'),
  reactivate: statusCommand('active'),
  delete: remove,
  member,
});
