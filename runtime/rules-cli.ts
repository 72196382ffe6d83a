/**
 * `vigil rules ...`: rule tests and checks in promtool's formats (no Redis needed), and moving
 * rules between files and Redis, where the rule set lives; one rule's detail and versions, and the
 * API's rule changes (rollback, enable, disable); backtests over stored history.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { BacktestInputError, runBacktest, type BacktestResponse, readRuleDetail, ruleRowOf, exportRuleTest, TestExportError, type TestExportResult } from '../src/lib/server/views';
import { rollbackRule, setRuleEnabled, type Answer } from '../src/lib/server/web/http';
import { RuleNotFoundError, RuleRepository, storedGroupSpec, type RuleVersion, type StoredRule } from '../src/lib/server/alerting/ruleset';
import { AuditLog } from '../src/lib/server/audit';
import { createKeys } from '../src/lib/server/keys';
import { checkRuleFiles, compileRuleSet, formatRuleFile, runRuleTests, type BacktestResult, type GroupSpec, readRuleFile } from '../src/lib/server/rules';
import { RedisStore } from '../src/lib/server/tsdb';
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
  rules show ID [--json] [--config FILE]
                        One rule: version, author, source, enabled, health, its alerts by state,
                        the silences that hold it, and the rule as YAML. ID: group/alert, or an
                        alert name that only one rule has
  rules versions ID [--diff] [--json] [--config FILE]
                        The rule's versions, newest first: author, time, message, source;
                        --diff adds each version's diff against the one before
  rules rollback ID --version N [--author NAME] [--message TEXT] [--config FILE]
                        Make version N current again, as a new version
  rules enable ID [--author NAME] [--message TEXT] [--config FILE]
  rules disable ID [--author NAME] [--message TEXT] [--config FILE]
                        Turn the rule on or off (a version of its own; a disabled rule is not
                        evaluated). Rollback, enable and disable are audited and take effect at
                        the next evaluation, as the same changes over the API
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
			const repo = new RuleRepository(redis, keys, { audit: new AuditLog(redis, keys) });
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
	const r = await withRedis(io, root, async (redis, config) => new RuleRepository(redis, createKeys(config.redis.prefix)).load(), values.config);
	if (typeof r === 'number') return r;
	const text = formatRuleFile(r.groups.map(storedGroupSpec));
	const header = `# Vigil rule set, revision ${r.revision}, exported ${new Date().toISOString()}\n`;
	if (values.output) {
		await writeFile(resolve(io.cwd, values.output), header + text);
		io.err(`wrote ${r.groups.reduce((n, g) => n + (g.all ?? g.rules).length, 0)} rules in ${r.groups.length} groups to ${values.output}`);
	} else io.out(header + text.trimEnd());
	return 0;
}

async function listRules(args: string[], io: CliIO, root: string): Promise<number> {
	const { values } = parseArgs({ args, options: { config: { type: 'string' } }, strict: true });
	const r = await withRedis(io, root, async (redis, config) => new RuleRepository(redis, createKeys(config.redis.prefix)).load(), values.config);
	if (typeof r === 'number') return r;
	if (r.groups.length === 0) io.out('no rules in Redis; `vigil rules import FILE` adds some');
	for (const g of r.groups) {
		io.out(`${g.name} (every ${g.interval ?? 'default interval'})`);
		for (const rule of g.all ?? g.rules) io.out(`  ${rule.id}  v${rule.version}  ${rule.enabled ? 'enabled' : 'disabled'}  by ${rule.author} ${new Date(rule.at).toISOString()}${'record' in rule.spec ? '  (recording)' : ''}`);
	}
	return 0;
}

/**
 * The rule a command names: its id (`group/alert`), or an alert name that only one rule has.
 * Returns the id, or an error message.
 */
async function resolveRuleId(repo: RuleRepository, given: string): Promise<{ id: string } | { error: string }> {
	if (await repo.get(given)) return { id: given };
	const { groups } = await repo.load();
	const matches = groups.flatMap((g) => g.rules).filter((r) => r.spec.alert === given);
	if (matches.length === 1) return { id: matches[0]!.id };
	if (matches.length > 1) return { error: `${JSON.stringify(given)} names ${matches.length} rules; use the id: ${matches.map((r) => r.id).join(', ')}` };
	return { error: `no rule ${JSON.stringify(given)}; \`vigil rules list\` shows the ids (group/alert)` };
}

const isoTime = (t: number) => new Date(t).toISOString();

/** A version's one line: `v3  2026-11-23T07:00:00.000Z  by ana  "fewer pages"  (file rules/shop.yml)`. */
function versionLine(v: RuleVersion): string {
	const what = v.spec === null ? '  deleted' : v.enabled ? '' : '  disabled';
	const source = v.source ? `  (${v.source})` : '';
	return `v${v.version}  ${isoTime(v.at)}  by ${v.author}${what}${v.message ? `  ${JSON.stringify(v.message)}` : ''}${source}`;
}

/** The rule id of a command that takes one (its one positional), or a usage error. */
function oneRuleId(command: string, positionals: string[], io: CliIO): string | null {
	if (positionals.length !== 1) {
		io.err(`rules ${command}: name one rule, e.g. \`vigil rules ${command} demo-shop.checkout/PaymentFailureRatioHigh\``);
		return null;
	}
	return positionals[0]!;
}

async function showRule(args: string[], io: CliIO, root: string): Promise<number> {
	const { values, positionals } = parseArgs({ args, options: { json: { type: 'boolean' }, config: { type: 'string' } }, allowPositionals: true, strict: true });
	const given = oneRuleId('show', positionals, io);
	if (given === null) return 2;
	const r = await withRedis(
		io,
		root,
		async (redis, config) => {
			const keys = createKeys(config.redis.prefix);
			const found = await resolveRuleId(new RuleRepository(redis, keys), given);
			if ('error' in found) return found.error;
			return (await readRuleDetail(found.id, { redis, keys, defaultGroupIntervalMs: config.alerts.defaultInterval })) ?? `no rule ${JSON.stringify(given)}`;
		},
		values.config
	);
	if (typeof r === 'number') return r;
	if (typeof r === 'string') return io.err(`rules show: ${r}`), 2;
	// The same counts, health and last evaluation as the rules list's row.
	const row = ruleRowOf(r.rule, r.state ?? undefined, { silencedBy: () => [] });
	const current = r.versions.find((v) => v.version === r.rule.version);
	const active = (r.state?.instances ?? []).filter((i) => i.state !== 'inactive');
	if (values.json) {
		const { rule, silences, threshold } = r;
		const { health, lastError, lastEvalAt, lastEvalDurationMs, counts, severity } = row;
		io.out(JSON.stringify({ rule, message: current?.message ?? null, severity, health, lastError, lastEvalAt, lastEvalDurationMs, counts, instances: active, silences, threshold }, null, 2));
		return 0;
	}
	const rule = r.rule;
	const field = (name: string, value: string) => io.out(`  ${name.padEnd(10)} ${value}`);
	io.out(rule.id);
	field('version', `v${rule.version} by ${rule.author}, ${isoTime(rule.at)}${current?.message ? `: ${JSON.stringify(current.message)}` : ''}`);
	field('source', rule.source ?? 'edited in Vigil');
	field('enabled', rule.enabled ? 'yes' : 'no (not evaluated)');
	field('group', `${rule.group}, every ${rule.interval ?? `${rule.intervalMs / 1000}s (the default)`}`);
	field('severity', row.severity ?? 'none');
	field('health', `${row.health}${row.lastError ? ` (${row.lastError})` : ''}; ${row.lastEvalAt === null ? 'never evaluated' : `last evaluated ${isoTime(row.lastEvalAt)} in ${row.lastEvalDurationMs < 10 ? row.lastEvalDurationMs.toFixed(1) : Math.round(row.lastEvalDurationMs)} ms`}`);
	field('alerts', `${row.counts.firing} firing, ${row.counts.pending} pending, ${row.counts.nodata} no data, ${row.counts.error} error`);
	for (const i of active) {
		const labels = Object.entries(i.labels)
			.filter(([k]) => k !== 'alertname')
			.map(([k, v]) => `${k}=${JSON.stringify(v)}`)
			.join(', ');
		io.out(`    ${i.state.padEnd(8)} {${labels}} = ${String(i.value)} since ${isoTime(i.firedAt ?? i.activeAt)}`);
	}
	field('silenced', r.silences.length ? `by ${r.silences.map((x) => x.id).join(', ')}` : 'no');
	io.out('rule:');
	for (const line of rule.yaml.trimEnd().split('\n')) io.out(`  ${line}`);
	return 0;
}

async function ruleVersions(args: string[], io: CliIO, root: string): Promise<number> {
	const { values, positionals } = parseArgs({ args, options: { diff: { type: 'boolean' }, json: { type: 'boolean' }, config: { type: 'string' } }, allowPositionals: true, strict: true });
	const given = oneRuleId('versions', positionals, io);
	if (given === null) return 2;
	const r = await withRedis(
		io,
		root,
		async (redis, config) => {
			const repo = new RuleRepository(redis, createKeys(config.redis.prefix));
			const found = await resolveRuleId(repo, given);
			if ('error' in found) return found.error;
			return { id: found.id, versions: await repo.versions(found.id) };
		},
		values.config
	);
	if (typeof r === 'number') return r;
	if (typeof r === 'string') return io.err(`rules versions: ${r}`), 2;
	if (values.json) {
		io.out(JSON.stringify(values.diff ? r.versions : r.versions.map(({ diff: _diff, ...v }) => v), null, 2));
		return 0;
	}
	io.out(`${r.id}: ${r.versions.length} version${r.versions.length === 1 ? '' : 's'}, newest first`);
	for (const v of r.versions) {
		io.out(`  ${versionLine(v)}`);
		if (values.diff) for (const line of v.diff.trimEnd().split('\n')) if (line !== '') io.out(`      ${line}`);
	}
	return 0;
}

/**
 * Runs one of the API's rule changes (rollback, enable, disable) on the named rule, with the
 * audit log and the control-channel announcement the API uses. Prints the rule after it.
 */
async function changeRule(
	command: string,
	given: string,
	configFlag: string | undefined,
	io: CliIO,
	root: string,
	change: (deps: Parameters<typeof setRuleEnabled>[0], id: string) => Promise<Answer>
): Promise<number> {
	const r = await withRedis(
		io,
		root,
		async (redis, config) => {
			const keys = createKeys(config.redis.prefix);
			const found = await resolveRuleId(new RuleRepository(redis, keys), given);
			if ('error' in found) return found.error;
			return change({ redis, keys, audit: new AuditLog(redis, keys), defaultGroupIntervalMs: config.alerts.defaultInterval }, found.id);
		},
		configFlag
	);
	if (typeof r === 'number') return r;
	if (typeof r === 'string') return io.err(`rules ${command}: ${r}`), 2;
	const body = r.body as { rule?: StoredRule; changed?: boolean; error?: string };
	if (r.status !== 200 || !body.rule) return io.err(`rules ${command}: ${body.error ?? `failed (${r.status})`}`), r.status >= 500 ? 1 : 2;
	const rule = body.rule;
	if (body.changed === false) io.out(`${rule.id} is already ${rule.enabled ? 'enabled' : 'disabled'}; nothing changed (v${rule.version})`);
	else io.out(`${rule.id}: v${rule.version} by ${rule.author}, ${rule.enabled ? 'enabled' : 'disabled'}; the alerts role uses it from its next evaluation`);
	return 0;
}

async function rollbackCommand(args: string[], io: CliIO, root: string): Promise<number> {
	const { values, positionals } = parseArgs({
		args,
		options: { version: { type: 'string' }, author: { type: 'string' }, message: { type: 'string' }, config: { type: 'string' } },
		allowPositionals: true,
		strict: true
	});
	const given = oneRuleId('rollback', positionals, io);
	if (given === null) return 2;
	if (values.version === undefined) return io.err('rules rollback: --version N is required (`vigil rules versions ID` lists them)'), 2;
	const version = /^v?\d+$/.test(values.version) ? Number(values.version.replace(/^v/, '')) : NaN;
	if (!Number.isSafeInteger(version) || version < 1) return io.err(`rules rollback: --version expected a version number like 3, got ${JSON.stringify(values.version)}`), 2;
	return changeRule('rollback', given, values.config, io, root, (deps, id) =>
		rollbackRule(deps, id, { version, ...(values.message ? { message: values.message } : {}) }, author(values.author))
	);
}

async function enableCommand(enabled: boolean, args: string[], io: CliIO, root: string): Promise<number> {
	const command = enabled ? 'enable' : 'disable';
	const { values, positionals } = parseArgs({ args, options: { author: { type: 'string' }, message: { type: 'string' }, config: { type: 'string' } }, allowPositionals: true, strict: true });
	const given = oneRuleId(command, positionals, io);
	if (given === null) return 2;
	return changeRule(command, given, values.config, io, root, (deps, id) => setRuleEnabled(deps, id, { enabled, ...(values.message ? { message: values.message } : {}) }, author(values.author)));
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
				return await runBacktest({ store, rules: new RuleRepository(redis, keys), defaultGroupIntervalMs: config.alerts.defaultInterval }, { rule: values.rule!, from, to, draft, intervalMs, progress: (m) => io.err(`${m}...`) });
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
					{ redis, keys, store, defaultGroupIntervalMs: config.alerts.defaultInterval },
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
			// Paths are printed as given (promtool's report), read from the command's directory.
			return runRuleTests(rest, { out: io.out, cwd: io.cwd });
		case 'check': {
			// promtool's lint flags: --lint=duplicate-rules|none (default duplicate-rules), --lint-fatal.
			const lint = rest.find((a) => a.startsWith('--lint='))?.slice('--lint='.length) ?? 'duplicate-rules';
			if (lint !== 'duplicate-rules' && lint !== 'none') return io.err(`rules check: --lint takes duplicate-rules or none, got "${lint}"`), 2;
			const files = rest.filter((a) => !a.startsWith('--lint=') && a !== '--lint-fatal');
			if (files.length === 0) return io.err('rules check: name at least one rule file'), 2;
			return checkRuleFiles(files, { out: io.out, cwd: io.cwd, lint, lintFatal: rest.includes('--lint-fatal') });
		}
		case 'import':
			return importRules(rest, io, root);
		case 'export':
			return exportRules(rest, io, root);
		case 'list':
			return listRules(rest, io, root);
		case 'show':
			return showRule(rest, io, root);
		case 'versions':
			return ruleVersions(rest, io, root);
		case 'rollback':
			return rollbackCommand(rest, io, root);
		case 'enable':
			return enableCommand(true, rest, io, root);
		case 'disable':
			return enableCommand(false, rest, io, root);
		case 'backtest':
			return backtestRule(rest, io, root);
		case 'export-test':
			return exportTest(rest, io, root);
		default:
			io.err(`unknown rules command: ${sub ?? '(none)'}\n\n${RULES_USAGE}`);
			return 2;
	}
}
