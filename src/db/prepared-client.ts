import type pg from 'pg';

/** Statements named (prepared once per connection) at most: the hot ones fit well within it. */
const MAX_NAMED = 256;
/** A statement is named from its second use: one-off statements stay unnamed. */
const NAME_FROM_USE = 2;
/** Longer texts are mostly long IN lists, each length its own text: not worth a name. */
const MAX_TEXT = 8192;

const uses = new Map<string, number>();
const names = new Map<string, string>();

/**
 * The name a statement text is prepared under, once it is used again; undefined for one-off or
 * long texts, and once MAX_NAMED names are out. A named statement is parsed and planned once per
 * connection (PostgreSQL keeps its plan), where an unnamed one is parsed and planned every time:
 * for the recursive walks of every request that planning cost more than running them.
 */
export function statementName(text: string): string | undefined {
  const named = names.get(text);
  if (named !== undefined || text.length > MAX_TEXT || names.size >= MAX_NAMED) return named;
  const n = (uses.get(text) ?? 0) + 1;
  if (n < NAME_FROM_USE) {
    // Bounded: forget one-off texts rather than grow.
    if (uses.size >= MAX_NAMED * 16) uses.clear();
    uses.set(text, n);
    return undefined;
  }
  uses.delete(text);
  const name = `coffer_${names.size + 1}`;
  names.set(text, name);
  return name;
}

type QueryFn = (config: unknown, values?: unknown, callback?: unknown) => unknown;

/**
 * Makes a pooled connection prepare the statements Kysely sends as (text, values) by their text;
 * every other form of query passes through as given.
 */
export function prepareByText(client: pg.PoolClient): void {
  const target = client as unknown as { query: QueryFn };
  // Through the prototype at each call, so whatever wraps the client class (a statement log, a
  // test's counter) still sees every query.
  const proto = Object.getPrototypeOf(client) as { query: QueryFn };
  const original: QueryFn = (config, values, callback) => proto.query.call(client, config, values, callback);
  target.query = (config, values, callback) => {
    // Only statements with parameters: a text without any may hold several commands (a
    // migration), which PostgreSQL cannot prepare.
    if (typeof config === 'string' && Array.isArray(values) && values.length > 0 && callback === undefined) {
      const name = statementName(config);
      if (name !== undefined) {
        return (original({ name, text: config, values }) as Promise<unknown>).catch((err: unknown) => {
          if ((err as { code?: unknown }).code !== INVALID_STATEMENT_NAME) throw err;
          // The driver believed the statement prepared on this connection and the server did not
          // have it (seen about once in ten runs of the table-upkeep test; the cause is not known
          // yet): forget it here, so its next use prepares it again, and run this one unnamed.
          // Nothing ran: the Bind failed before it.
          const connection = (client as unknown as { connection?: { parsedStatements?: Record<string, unknown>; submittedNamedStatements?: Record<string, unknown> } }).connection;
          if (connection?.parsedStatements) delete connection.parsedStatements[name];
          if (connection?.submittedNamedStatements) delete connection.submittedNamedStatements[name];
          return original(config, values, callback);
        });
      }
    }
    return original(config, values, callback);
  };
}

/** SQLSTATE 26000: "prepared statement … does not exist". */
const INVALID_STATEMENT_NAME = '26000';
