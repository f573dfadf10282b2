// tsc compiles TypeScript only; the SQL migrations ship beside the compiled database module.
import fs from 'node:fs';
fs.cpSync('src/db/migrations', 'dist/db/migrations', { recursive: true });
