import { cliCallContext, EXIT_OK, expectArgs, leaf, out, printJson, subcommands, UsageError, withCore } from './cli-kit.js';
import { findSpace, readJsonFile } from './refs.js';

const create = leaf(
  'Create or replace a record type of a space: SPACE NAME --schema-file FILE',
  `Usage: coffer record-type create SPACE NAME --schema-file FILE [--title TEXT] [--json]

Creates (or replaces) a record type: a JSON schema that records of this type, attached to
folders of the space, must meet (e.g. a book in a publisher's catalogue). SPACE is its id, or
ORG/NAME.

Options:
  --schema-file FILE   the JSON schema (required)
  --title TEXT         a title people see (default: NAME)
  --json               print the record type as JSON
  -h, --help           show this help
`,
  { 'schema-file': { type: 'string' }, title: { type: 'string' }, json: { type: 'boolean', default: false } },
  async (config, { values, positionals }) => {
    const [spaceRef, name] = expectArgs(positionals, ['SPACE', 'NAME']);
    if (values['schema-file'] === undefined) throw new UsageError('Give the JSON schema with --schema-file FILE');
    const schema = readJsonFile('schema-file', values['schema-file']);
    return withCore(config, async (core) => {
      const ctx = cliCallContext();
      const space = await findSpace(core, ctx, spaceRef);
      const type = await core.records.putType(ctx, space.id, { name, title: values.title, schema });
      if (values.json) printJson(type);
      else out(`Record type "${type.name}" of "${space.name}" saved`);
      return EXIT_OK;
    });
  },
);

export const recordTypeCommand = subcommands('record-type', 'Define record types (JSON schemas) of organisations’ spaces', { create });
