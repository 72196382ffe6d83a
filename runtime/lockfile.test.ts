import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * `npm ci` refuses a lock file that names an optional dependency it does not hold, which happens
 * when the registry lacks a platform package of the version npm picked. This catches it before CI.
 */
describe('package-lock.json', () => {
	it('holds every optional dependency it names', () => {
		const lock = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'package-lock.json'), 'utf8')) as {
			packages: Record<string, { optionalDependencies?: Record<string, string> }>;
		};
		const missing: string[] = [];
		for (const [path, pkg] of Object.entries(lock.packages)) {
			for (const dep of Object.keys(pkg.optionalDependencies ?? {})) {
				if (!lock.packages[`${path}/node_modules/${dep}`] && !lock.packages[`node_modules/${dep}`]) missing.push(`${dep} (for ${path || 'the project'})`);
			}
		}
		expect(missing, 'pin a version the registry has in full with "overrides" in package.json').toEqual([]);
	});
});
