/** Where e2e runs save screenshots to look at (ignored by git). */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './vigil-process';

export const ARTIFACTS = join(ROOT, 'tests', 'e2e', 'artifacts');

export function artifact(name: string): string {
	mkdirSync(ARTIFACTS, { recursive: true });
	return join(ARTIFACTS, name);
}
