#!/usr/bin/env node
// The `vigil` command. The TypeScript sources are bundled into dist/ by `npm run build`.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const entry = fileURLToPath(new URL('../dist/vigil.js', import.meta.url));
if (!existsSync(entry)) {
	process.stderr.write('Vigil is not built yet: run `npm run build` (or `npm start`, which builds when needed).\n');
	process.exit(1);
}
await import(entry);
