import type { FolderPolicy } from '../db/schema.js';
import { formatBytes } from '../util/bytes.js';
import { cliCallContext, EXIT_OK, expectArgs, leaf, out, printJson, sizeOption, subcommands, withCore } from './cli-kit.js';
import { findSpace } from './refs.js';

const list = (text: string | undefined) =>
  text === undefined
    ? null
    : text
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);

function describe(p: FolderPolicy | null): string {
  if (!p) return 'no policy of its own';
  const parts = [
    p.allowed_extensions ? `extensions ${p.allowed_extensions.join(', ')}` : '',
    p.allowed_types ? `types ${p.allowed_types.join(', ')}` : '',
    p.max_file_bytes !== null ? `at most ${formatBytes(Number(p.max_file_bytes))} a file` : '',
    p.write_once ? 'write-once' : '',
  ].filter(Boolean);
  return parts.length ? parts.join('; ') : 'no limits';
}

const set = leaf(
  'Set a folder’s policy: SPACE FOLDER [--write-once] [--extensions] [--types] [--max-size]',
  `Usage: coffer policy set SPACE FOLDER [--write-once] [--extensions pdf,jpg] [--types application/pdf] [--max-size 20M]

Sets the policy of a folder (its path in the space; made if missing), replacing what it had;
folders below inherit it. Every door obeys it: REST, WebDAV, links, signed URLs, service
accounts. SPACE is its id, or ORG/NAME.

Options:
  --write-once          files are added here, never overwritten, renamed, moved out or deleted
  --extensions LIST     allowed file name extensions, comma-separated
  --types LIST          allowed media types by content (e.g. application/pdf,image/*)
  --max-size SIZE       the largest file allowed, such as 20M or 1GiB
  --json                print the folder's policy as JSON
  -h, --help            show this help
`,
  { 'write-once': { type: 'boolean', default: false }, extensions: { type: 'string' }, types: { type: 'string' }, 'max-size': { type: 'string' }, json: { type: 'boolean', default: false } },
  async (config, { values, positionals }) => {
    const [spaceRef, folder] = expectArgs(positionals, ['SPACE', 'FOLDER']);
    const maxBytes = values['max-size'] === undefined ? null : sizeOption('max-size', values['max-size']);
    return withCore(config, async (core) => {
      const ctx = cliCallContext();
      const space = await findSpace(core, ctx, spaceRef);
      const placed = await core.files.createFolder(ctx, space.root_node_id!, folder, { parents: true });
      const { own } = await core.rules.setPolicy(ctx, placed.node.id, {
        allowed_extensions: list(values.extensions),
        allowed_types: list(values.types),
        max_file_bytes: maxBytes,
        write_once: values['write-once'],
      });
      if (values.json) printJson({ folder_id: placed.node.id, path: placed.path, policy: own });
      else out(`${placed.path} in "${space.name}": ${describe(own)}`);
      return EXIT_OK;
    });
  },
);

export const policyCommand = subcommands('policy', 'Set folder policies of organisations’ spaces', { set });
