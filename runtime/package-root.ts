/** Finds Vigil's own directory (where package.json, build/ and the demo config are). */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export function packageRoot(from: string = fileURLToPath(import.meta.url)): string {
	let dir = dirname(from);
	for (;;) {
		const pkg = join(dir, 'package.json');
		if (existsSync(pkg)) {
			try {
				if ((JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'vigil') return dir;
			} catch {
				// not ours; keep looking
			}
		}
		const parent = dirname(dir);
		if (parent === dir) throw new Error(`cannot find Vigil's package.json above ${from}`);
		dir = parent;
	}
}

export function packageVersion(root: string): string {
	return (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version;
}
