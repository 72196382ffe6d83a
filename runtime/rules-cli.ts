/**
 * `vigil rules ...`: rule tests and checks in promtool's formats (no Redis needed), and moving
 * rules between files and Redis, where the rule set lives; backtests over stored history.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { BacktestInputError, runBacktest, type BacktestResponse } from '../src/lib/server/alerting/backtest-run';
import { RuleNotFoundError, RuleRepository } from '../src/lib/server/alerting/rule-repo';
import { exportRuleTest, TestExportError, type TestExportResult } from '../src/lib/server/alerting/test-export-run';
import { AuditLog } from '../src/lib/server/audit';
import { createKeys } from '../src/lib/server/keys';
import { checkRuleFiles, compileRuleSet, formatRuleFile, runRuleTests, type BacktestResult, type GroupSpec } from '../src/lib/server/rules';
import { readRuleFile } from '../src/lib/server/rules/read';
import { RedisStore } from '../src/lib/server/tsdb/redis-store';
import { parseDuration } from '../src/lib/shared/duration';
import { parseTimeArg } from '../src/lib/shared/time-arg';
import { actor } from './access-cli';
import { withRedis, type CliIO } from './cli-support';

export const RULES_USAGE = `  rules test FILE...    Run rule tests in promtool's format (input_series, alert_rule_test,
                        promql_expr_test); exit 1 if any fails. Needs no Redis.
  rules check FILE...   Validate rule files and print every problem; exit 1 if any
  rules import FILE... [--author NAME] [--message TEXT] [--replace-all] [--config FILE]
                        Check the files, then save their groups in Redis as new versions (groups
                        of the same name are replaced; --replace-all replaces the whole set)
  rules export [--output FILE] [--config FILE]
                        Print the rule set in Redis as a rule file
  rules list [--config FILE]
                        List the rules in Redis: id, version, author, enabled
  rules backtest --rule ID --from TIME [--to TIME] [--draft FILE] [--interval 30s] [--json]
                        Replay a rule over stored history: pending and firing spans per instance
                        and the notifications it would have sent; --draft compares a changed
                        rule side by side. TIME: RFC 3339, unix seconds, now, or now-7d
  rules export-test --rule ID (--incident INC-3 | --from TIME [--to TIME]) --output DIR
                        Write the rule's behaviour over the window as a promtool rule test: its
                        input series from stored history and the alerts that fired (DIR/<id>.test.yml
                        and DIR/<id>.rules.yml; \`vigil rules test\` passes on them). An incident's
                        window is its start - 30m to its resolution (or now) + 5m`;

/** The author of a rule change: `--author`, else the CLI's actor (`cli:<OS user>`), as other commands record. */
function author(given?: string): string {
	return given ?? actor();
}

async function importRules(args: string[], io: CliIO, root: string): Promise<number> {
	const { values, positionals } = parseArgs({
		args,
		options: { author: { type: 'string' }, message: { type: 'string' }, 'replace-all': { type: 'boolean' }, config: { type: 'string' } },
		allowPositionals: true,
		strict: true
	});
	if (positionals.length === 0) return io.err('rules import: name at least one rule file, e.g. `vigil rules import rules/shop.rules.yml`'), 2;
	// Every file is checked before anything is saved: a bad file changes nothing.
	const groups: GroupSpec[] = [];
	/** Group name -> the file it came from, as named on the command line: the rule pages say so. */
	const sources = new Map<string, string>();
	let problems = 0;
	for (const f of positionals) {
		const path = resolve(io.cwd, f);
		let text: string;
		try {
			text = await readRuleFile(path);
		} catch (err) {
			io.err(`${f}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : (err as Error).message}`);
			problems++;
			continue;
		}
		const set = compileRuleSet(text, f);
		for (const p of set.problems) io.err(p);
		problems += set.problems.length;
		groups.push(...set.specs);
		for (const g of set.specs) sources.set(g.name, `file ${f}`);
	}
	const names = new Set<string>();
	for (const g of groups) {
		if (names.has(g.name)) {
			io.err(`group "${g.name}" is defined in more than one file; group names must be unique`);
			problems++;
		}
		names.add(g.name);
	}
	if (problems > 0) return io.err(`nothing imported: ${problems} problem${problems === 1 ? '' : 's'}; fix them and run the import again`), 1;
	const r = await withRedis(
		io,
		root,
		async (redis, config) => {
			const keys = createKeys(config.redis.prefix);
			const repo = new RuleRepository(redis, keys.rules, { audit: new AuditLog(redis, keys.audit) });
			const saved = await repo.save(groups, { author: author(values.author), message: values.message, replace: values['replace-all'] ? 'all' : 'groups', source: (g) => sources.get(g) ?? null });
			// Tell running alerts roles at once (they also poll).
			await redis.publish(keys.control, JSON.stringify({ type: 'rules', revision: saved.revision }));
			return saved;
		},
		values.config
	);
	if (typeof r === 'number') return r;
	io.out(
		`imported ${groups.length} group${groups.length === 1 ? '' : 's'}: ${r.created.length} new, ${r.changed.length} changed, ${r.deleted.length} deleted, ${r.unchanged} unchanged rules; rule set revision ${r.revision}`
	);
	for (const id of r.created) io.out(`  + ${id}`);
	for (const id of r.changed) io.out(`  ~ ${id}`);
	for (const id of r.deleted) io.out(`  - ${id}`);
	return 0;
}

async function exportRules(args: string[], io: CliIO, root: string): Promise<number> {
	const { values } = parseArgs({ args, options: { output: { type: 'string' }, config: { type: 'string' } }, strict: true });
	const r = await withRedis(io, root, async (redis, config) => new RuleRepository(redis, createKeys(config.redis.prefix).rules).load(), values.config);
	if (typeof r === 'number') return r;
	const text = formatRuleFile(r.groups.map((g) => ({ name: g.name, ...(g.interval !== undefined ? { interval: g.interval } : {}), rules: g.rules.map((x) => x.spec) })));
	const header = `# Vigil rule set, revision ${r.revision}, exported ${new Date().toISOString()}\n`;
	if (values.output) {
		await writeFile(resolve(io.cwd, values.output), header + text);
		io.err(`wrote ${r.groups.reduce((n, g) => n + g.rules.length, 0)} rules in ${r.groups.length} groups to ${values.output}`);
	} else io.out(header + text.trimEnd());
	return 0;
}

async function listRules(args: string[], io: CliIO, root: string): Promise<number> {
	const { values } = parseArgs({ args, options: { config: { type: 'string' } }, strict: true });
	const r = await withRedis(io, root, async (redis, config) => new RuleRepository(redis, createKeys(config.redis.prefix).rules).load(), values.config);
	if (typeof r === 'number') return r;
	if (r.groups.length === 0) io.out('no rules in Redis; `vigil rules import FILE` adds some');
	for (const g of r.groups) {
		io.out(`${g.name} (every ${g.interval ?? 'default interval'})`);
		for (const rule of g.rules) io.out(`  ${rule.id}  v${rule.version}  ${rule.enabled ? 'enabled' : 'disabled'}  by ${rule.author} ${new Date(rule.at).toISOString()}`);
	}
	return 0;
}

function printResult(io: CliIO, title: string, r: BacktestResult): void {
	const iso = (t: number) => new Date(t).toISOString().replace('.000Z', 'Z');
	io.out(`${title}: ${r.evaluations.toLocaleString('en-US')} evaluations in ${r.durationMs.toFixed(0)} ms; ${r.notifications} notifications would have been sent`);
	if (r.instances.length === 0) io.out('  never pending or firing');
	for (const inst of r.instances) {
		const labels = Object.entries(inst.labels)
			.filter(([k]) => k !== 'alertname')
			.map(([k, v]) => `${k}=${JSON.stringify(v)}`)
			.join(', ');
		io.out(`  {${labels}}`);
		for (const s of inst.spans) io.out(`    ${s.state.padEnd(8)} ${iso(s.from)} .. ${iso(s.to)}${s.open ? ' (still at the end)' : ''}  ${((s.to - s.from) / 60_000).toFixed(1)} min`);
	}
}

async function backtestRule(args: string[], io: CliIO, root: string): Promise<number> {
	const { values } = parseArgs({
		args,
		options: {
			rule: { type: 'string' },
			from: { type: 'string' },
			to: { type: 'string' },
			draft: { type: 'string' },
			interval: { type: 'string' },
			json: { type: 'boolean' },
			config: { type: 'string' }
		},
		strict: true
	});
	const now = Date.now();
	if (!values.rule) return io.err('rules backtest: --rule is required (an id like shop/CheckoutSlow, or an alert name)'), 2;
	if (!values.from) return io.err('rules backtest: --from is required, e.g. --from now-7d or --from 2026-11-01T00:00:00Z'), 2;
	const from = parseTimeArg(values.from, now);
	if (from === null) return io.err(`rules backtest: --from expected a time (RFC 3339, unix seconds, now or now-7d), got ${JSON.stringify(values.from)}`), 2;
	const to = values.to === undefined ? now : parseTimeArg(values.to, now);
	if (to === null) return io.err(`rules backtest: --to expected a time (RFC 3339, unix seconds, now or now-1h), got ${JSON.stringify(values.to)}`), 2;
	let intervalMs: number | undefined;
	if (values.interval !== undefined) {
		const d = parseDuration(values.interval);
		if (d === null) return io.err(`rules backtest: --interval expected a duration like 30s, got ${JSON.stringify(values.interval)}`), 2;
		intervalMs = d;
	}
	let draft: string | undefined;
	if (values.draft) {
		try {
			draft = await readFile(resolve(io.cwd, values.draft), 'utf8');
		} catch (err) {
			return io.err(`rules backtest: --draft ${values.draft}: ${(err as Error).message}`), 2;
		}
	}
	const r = await withRedis(
		io,
		root,
		async (redis, config): Promise<BacktestResponse | string> => {
			const keys = createKeys(config.redis.prefix);
			const store = new RedisStore(redis, { prefix: config.redis.prefix, retention: config.tsdb.retention });
			try {
				return await runBacktest({ store, rules: new RuleRepository(redis, keys.rules) }, { rule: values.rule!, from, to, draft, intervalMs, progress: (m) => io.err(`${m}...`) });
			} catch (err) {
				if (err instanceof BacktestInputError) return err.message;
				throw err;
			}
		},
		values.config
	);
	if (typeof r === 'number') return r;
	if (typeof r === 'string') return io.err(`rules backtest: ${r}`), 2;
	if (values.json) {
		io.out(JSON.stringify(r, null, 2));
		return 0;
	}
	printResult(io, `${r.ruleId} (current)`, r.current);
	if (r.draft && r.comparison) {
		printResult(io, `${r.ruleId} (draft)`, r.draft);
		const d = r.comparison.notificationsDelta;
		io.out(`draft against current: ${d === 0 ? 'the same number of' : d > 0 ? `${d} more` : `${-d} fewer`} notifications; ${r.comparison.differences.length} firing differences`);
		for (const x of r.comparison.differences) {
			io.out(`  ${x.kind === 'extra' ? 'draft only  ' : 'current only'} {${Object.entries(x.labels).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(', ')}} ${new Date(x.from).toISOString()} .. ${new Date(x.to).toISOString()}`);
		}
	}
	return 0;
}

async function exportTest(args: string[], io: CliIO, root: string): Promise<number> {
	const { values } = parseArgs({
		args,
		options: { rule: { type: 'string' }, incident: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' }, output: { type: 'string' }, config: { type: 'string' } },
		strict: true
	});
	const now = Date.now();
	if (!values.rule) return io.err('rules export-test: --rule is required (an id like shop/CheckoutSlow)'), 2;
	if (!values.output) return io.err('rules export-test: --output DIR is required (the directory for the test and rule files)'), 2;
	if (values.incident === undefined && values.from === undefined) return io.err('rules export-test: give --incident INC-3, or --from TIME [--to TIME]'), 2;
	if (values.incident !== undefined && (values.from !== undefined || values.to !== undefined)) return io.err('rules export-test: give --incident or --from/--to, not both'), 2;
	let from: number | undefined;
	let to: number | undefined;
	if (values.from !== undefined) {
		const t = parseTimeArg(values.from, now);
		if (t === null) return io.err(`rules export-test: --from expected a time (RFC 3339, unix seconds, now or now-6h), got ${JSON.stringify(values.from)}`), 2;
		from = t;
	}
	if (values.to !== undefined) {
		const t = parseTimeArg(values.to, now);
		if (t === null) return io.err(`rules export-test: --to expected a time (RFC 3339, unix seconds, now or now-1h), got ${JSON.stringify(values.to)}`), 2;
		to = t;
	}
	const r = await withRedis(
		io,
		root,
		async (redis, config): Promise<TestExportResult | string> => {
			const keys = createKeys(config.redis.prefix);
			const store = new RedisStore(redis, { prefix: config.redis.prefix, retention: config.tsdb.retention });
			try {
				return await exportRuleTest(
					{ redis, keys, store },
					{ rule: values.rule!, ...(values.incident !== undefined ? { incident: values.incident } : {}), ...(from !== undefined ? { from } : {}), ...(to !== undefined ? { to } : {}), now }
				);
			} catch (err) {
				if (err instanceof RuleNotFoundError) return `no rule ${JSON.stringify(values.rule)}; \`vigil rules list\` shows the ids (group/alert)`;
				if (err instanceof TestExportError) return err.message;
				throw err;
			}
		},
		values.config
	);
	if (typeof r === 'number') return r;
	if (typeof r === 'string') return io.err(`rules export-test: ${r}`), 2;
	const dir = resolve(io.cwd, values.output);
	await mkdir(dir, { recursive: true });
	await writeFile(join(dir, r.ruleFileName), r.ruleFile);
	await writeFile(join(dir, r.testFileName), r.testFile);
	const iso = (t: number) => new Date(t).toISOString().replace('.000Z', 'Z');
	const shown = relative(io.cwd, join(dir, r.testFileName)) || r.testFileName;
	io.out(`wrote ${join(values.output, r.testFileName)} and ${join(values.output, r.ruleFileName)}`);
	io.out(`  ${r.ruleId}${r.incident ? ` during ${r.incident}` : ''}: ${iso(r.from)} .. ${iso(r.to)}; ${r.series} series of ${r.steps} steps; ${r.evalTimes.length} eval times; ${r.alerts} alert${r.alerts === 1 ? '' : 's'} fired`);
	io.out(`  run it: vigil rules test ${shown}${r.promtool ? ` (or promtool test rules ${shown})` : ` (promtool cannot: the rule uses Vigil's ${r.vigilKeys.join(', ')})`}`);
	return 0;
}

export async function rulesCommand(args: string[], io: CliIO, root: string): Promise<number> {
	const [sub, ...rest] = args;
	switch (sub) {
		case 'test':
			if (rest.length === 0) return io.err('rules test: name at least one test file'), 2;
			return runRuleTests(
				rest.map((f) => resolve(io.cwd, f)),
				{ out: io.out }
			);
		case 'check':
			if (rest.length === 0) return io.err('rules check: name at least one rule file'), 2;
			return checkRuleFiles(
				rest.map((f) => resolve(io.cwd, f)),
				{ out: io.out }
			);
		case 'import':
			return importRules(rest, io, root);
		case 'export':
			return exportRules(rest, io, root);
		case 'list':
			return listRules(rest, io, root);
		case 'backtest':
			return backtestRule(rest, io, root);
		case 'export-test':
			return exportTest(rest, io, root);
		default:
			io.err(`unknown rules command: ${sub ?? '(none)'}\n\n${RULES_USAGE}`);
			return 2;
	}
}
