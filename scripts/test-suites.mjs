// Runs vitest and Playwright side by side (after `npm run check` and `npm run build`, which
// `npm test` runs first) and exits non-zero when either fails. Most of the browser tests' time is
// waiting (a rule's `for`, the soak's minute, the truth run's windows), so the two together take
// about as long as the browser tests alone instead of the sum.
//
// Each line is printed as it comes, prefixed with its runner; each runner's own summary (files and
// tests that ran, passed, failed) is printed again at the end, together.
// VIGIL_TEST_SERIAL=1 runs them one after the other, as before.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

const runners = [
	{ name: 'vitest', cmd: 'npx', args: ['vitest', 'run'] },
	{ name: 'e2e', cmd: 'npx', args: ['playwright', 'test'] }
];

/** Strips terminal colours, so the summaries read the same in a log. */
const plain = (line) => line.replace(/\x1b\[[0-9;]*m/g, '');

function run({ name, cmd, args }) {
	const started = Date.now();
	const tail = [];
	return new Promise((resolve) => {
		const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env: process.env });
		for (const stream of [child.stdout, child.stderr]) {
			createInterface({ input: stream }).on('line', (line) => {
				process.stdout.write(`[${name}] ${line}\n`);
				tail.push(plain(line));
				if (tail.length > 40) tail.shift();
			});
		}
		child.on('close', (code, signal) => {
			const minutes = ((Date.now() - started) / 60_000).toFixed(1);
			resolve({ name, code: code ?? (signal ? 1 : 0), minutes, tail });
		});
	});
}

const serial = process.env.VIGIL_TEST_SERIAL === '1';
const results = [];
if (serial) for (const r of runners) results.push(await run(r));
else results.push(...(await Promise.all(runners.map(run))));

process.stdout.write('\n');
for (const r of results) {
	// vitest: "Test Files", "Tests", "Duration"; Playwright: "N passed", "N failed", "N flaky", "N skipped".
	const summary = r.tail.filter((l) => /^\s*(Test Files|Tests|Duration)\s/.test(l) || /^\s*\d+ (passed|failed|flaky|skipped|did not run)/.test(l));
	process.stdout.write(`${r.name}: ${r.code === 0 ? 'passed' : `FAILED (exit ${r.code})`} in ${r.minutes} min\n`);
	for (const l of summary) process.stdout.write(`  ${l.trim()}\n`);
}
const failed = results.filter((r) => r.code !== 0);
if (failed.length) {
	process.stdout.write(`\n${failed.map((r) => r.name).join(' and ')} failed: the lines above prefixed [${failed[0].name}] say which tests and why.\n`);
	process.exit(1);
}
