// tsc compiles TypeScript only: the SQL migrations and the embedded database's worker ship beside
// the compiled database module (and the text extraction process's beside its module), and so does a
// migrated empty embedded database, which a new server starts from instead of creating one
// (seconds and ~850 MB saved on first start).
import fs from 'node:fs';
fs.cpSync('src/db/migrations', 'dist/db/migrations', { recursive: true });
fs.cpSync('src/db/pglite-worker.mjs', 'dist/db/pglite-worker.mjs');
fs.cpSync('src/services/text-extraction-child.mjs', 'dist/services/text-extraction-child.mjs');
// Shipped space templates are data, read at run time.
fs.cpSync('src/templates', 'dist/templates', { recursive: true });
const { makePgliteTemplate } = await import('../dist/db/pglite-template.js');
const { PGLITE_TEMPLATE } = await import('../dist/db/database.js');
fs.writeFileSync(`dist/db/${PGLITE_TEMPLATE}`, await makePgliteTemplate());
