/**
 * Prometheus' own PromQL test data (v2.42's promql/testdata/*.test), read in place from the shared
 * folder beside the clone (`../shared/peer-suites/prometheus-v2.42-promql`), run through the
 * engine by testing/peer-suite.ts as Prometheus' test.go runs it. The cases that do not pass yet
 * are listed in testing/peer-suite.known.json: the test fails when a case outside the list stops
 * passing, and when a listed case passes or changes its status (then shorten the list:
 * PEER_SUITE_WRITE=1 rewrites it). PROMQL_PEER_SUITE points at another copy of the data.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { atVariant, countOutcomes, runSuiteDir, type CaseOutcome, type CaseStatus } from './testing/peer-suite';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '../../../..');
const KNOWN_FILE = join(here, 'testing/peer-suite.known.json');
const SUITE = 'peer-suites/prometheus-v2.42-promql';

/** The shared folder beside the clone; for a git worktree, beside the clone it belongs to. */
function suiteDir(): string | undefined {
	const candidates: string[] = [];
	if (process.env.PROMQL_PEER_SUITE) candidates.push(process.env.PROMQL_PEER_SUITE);
	candidates.push(join(repoRoot, '../shared', SUITE));
	try {
		const git = readFileSync(join(repoRoot, '.git'), 'utf8');
		const m = /^gitdir:\s*(.+?)[\\/]\.git[\\/]worktrees[\\/]/m.exec(git);
		if (m) candidates.push(join(m[1]!, '../shared', SUITE));
	} catch {
		// .git is a directory (a plain clone) or absent.
	}
	return candidates.find((d) => existsSync(d));
}

type Known = Record<string, { status: Exclude<CaseStatus, 'pass'>; expr: string }>;

const dir = suiteDir();

describe.skipIf(!dir)("Prometheus v2.42's PromQL test data", () => {
	it('passes every case but the known ones, and every known one still fails as listed', { timeout: 120_000 }, () => {
		const outcomes = runSuiteDir(dir!, { atVariant });
		const plain = runSuiteDir(dir!);
		const c = countOutcomes(outcomes);
		const p = countOutcomes(plain);
		const line = (x: Record<CaseStatus, number>) => `${x.pass} pass, ${x.refused} refused as unsupported, ${x.error} error, ${x.fail} fail`;
		console.log(`Prometheus v2.42 PromQL test data, ${outcomes.length} cases: ${line(c)}\n  without the @ variants: ${line(p)}`);

		const failing = outcomes.filter((o) => o.status !== 'pass');
		const known: Known = existsSync(KNOWN_FILE) ? JSON.parse(readFileSync(KNOWN_FILE, 'utf8')) : {};
		if (process.env.PEER_SUITE_WRITE) {
			const out: Known = {};
			for (const o of failing) out[o.id] = { status: o.status as Exclude<CaseStatus, 'pass'>, expr: o.expr };
			writeFileSync(KNOWN_FILE, JSON.stringify(out, null, '\t') + '\n');
			return;
		}
		const byId = new Map<string, CaseOutcome>(outcomes.map((o) => [o.id, o]));
		const regressed = failing.filter((o) => !(o.id in known) || known[o.id]!.status !== o.status);
		const fixed = Object.keys(known).filter((id) => byId.get(id)?.status === 'pass' || !byId.has(id));
		const describeOutcome = (o: CaseOutcome) => `${o.id} [${o.status}] ${o.expr}\n    ${o.detail ?? ''}`;
		expect(regressed.map(describeOutcome), 'cases that do not pass and are not listed (or changed status)').toEqual([]);
		expect(fixed, `listed cases that now pass: remove them from ${KNOWN_FILE} (PEER_SUITE_WRITE=1)`).toEqual([]);
	});
});

describe.skipIf(!!dir)("Prometheus v2.42's PromQL test data", () => {
	it.skip(`not found: put Prometheus v2.42's promql/testdata/*.test in ../shared/${SUITE} beside the clone, or set PROMQL_PEER_SUITE`, () => {});
});
