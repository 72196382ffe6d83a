import { describe, expect, it } from 'vitest';
import type { Labels } from '../../shared/series';
import { EMPTY_RULE_FILTER, filterRuleRows, readRuleFilter, ruleFilterQuery, rulePath, ruleRow } from '../../shared/rule-rows';
import type { AlertInstance, RuleState } from '../rules/types';
import { compileMatchers, parseMatchers } from '../alerting/muting';
import { ruleRowOf, ruleRows, staticLabels, type SilenceLookup } from './rule-overview';
import type { StoredGroup, StoredRule } from '../alerting/ruleset';

function rule(group: string, alert: string, extra: Partial<StoredRule['spec']> = {}, more: Partial<StoredRule> = {}): StoredRule {
	// `as`: the stored rule gains a `source` (where it was imported from); null here.
	return { id: `${group}/${alert}`, group, spec: { alert, expr: 'up == 0', ...extra }, version: 1, author: 'ana', at: 1000, enabled: true, source: null, ...more } as StoredRule;
}

function inst(labels: Labels, state: AlertInstance['state']): AlertInstance {
	return { fingerprint: JSON.stringify(labels), labels, annotations: {}, state, value: 1, activeAt: 0 };
}

function state(ruleId: string, instances: AlertInstance[], extra: Partial<RuleState> = {}): RuleState {
	return { ruleId, health: 'ok', lastEvalAt: 5000, lastEvalDurationMs: 3, instances, ...extra };
}

/** Silences as `loadMuting` answers: each active silence's matchers as text. */
function silences(active: Record<string, string>): SilenceLookup {
	const tests = Object.entries(active).map(([id, text]) => ({ id, test: compileMatchers(parseMatchers(text)) }));
	return { silencedBy: (labels) => tests.filter((s) => s.test(labels)).map((s) => s.id) };
}

const none = silences({});

describe('ruleRowOf', () => {
	it('counts active instances by state, leaving inactive ones out, and carries the saved evaluation', () => {
		const r = rule('shop', 'Down', { severity: 'critical', labels: { team: 'web' }, annotations: { summary: '{{ $labels.service }} down' } });
		const s = state(
			r.id,
			[inst({ a: '1' }, 'firing'), inst({ a: '2' }, 'firing'), inst({ a: '3' }, 'pending'), inst({ a: '4' }, 'inactive'), inst({}, 'nodata'), inst({ e: '1' }, 'error')],
			{ health: 'error', lastError: 'boom', lastEvalAt: 7000, lastEvalDurationMs: 12.5 }
		);
		const row = ruleRowOf(r, s, none);
		expect(row).toEqual({
			id: 'shop/Down',
			group: 'shop',
			name: 'Down',
			severity: 'critical',
			enabled: true,
			version: 1,
			author: 'ana',
			at: 1000,
			source: null,
			health: 'error',
			lastError: 'boom',
			lastEvalAt: 7000,
			lastEvalDurationMs: 12.5,
			counts: { firing: 2, pending: 1, nodata: 1, error: 1 },
			silenced: false,
			silences: [],
			labels: { team: 'web', severity: 'critical' },
			summary: '{{ $labels.service }} down'
		});
		expect(ruleRow.safeParse(row).success).toBe(true);
	});

	it('without saved state: unknown health, no evaluation, zero counts', () => {
		const row = ruleRowOf(rule('g', 'A'), undefined, none);
		expect(row).toMatchObject({ health: 'unknown', lastError: null, lastEvalAt: null, lastEvalDurationMs: 0, counts: { firing: 0, pending: 0, nodata: 0, error: 0 }, severity: null, summary: null });
	});

	it('reads the severity from the severity key, else a severity label', () => {
		expect(ruleRowOf(rule('g', 'A', { labels: { severity: 'warning' } }), undefined, none).severity).toBe('warning');
		expect(ruleRowOf(rule('g', 'A', { labels: { severity: 'page-me' } }), undefined, none).severity).toBeNull();
	});

	it('reads the source when the stored rule has one', () => {
		const r = { ...rule('g', 'A'), source: 'file rules/demo-shop.rules.yml' } as StoredRule;
		expect(ruleRowOf(r, undefined, none).source).toBe('file rules/demo-shop.rules.yml');
	});

	it('survives a saved state that is not what it should be', () => {
		const bad = { ruleId: 'g/A', health: 'weird', instances: [null, { state: 'firing' }, inst({ a: '1' }, 'firing')] } as unknown as RuleState;
		const row = ruleRowOf(rule('g', 'A'), bad, none);
		expect(row.health).toBe('unknown');
		expect(row.counts.firing).toBe(1);
		expect(ruleRowOf(rule('g', 'A'), { ruleId: 'g/A' } as unknown as RuleState, none).counts.firing).toBe(0);
	});
});

describe('silenced', () => {
	const r = rule('shop', 'PaymentsDown', { severity: 'critical', labels: { service: 'payments', instance: '{{ $labels.instance }}' } });

	it('is silenced when an active silence matches one of its active instances, listing every silence that does', () => {
		const s = state(r.id, [
			inst({ alertname: 'PaymentsDown', service: 'payments', instance: 'a' }, 'firing'),
			inst({ alertname: 'PaymentsDown', service: 'payments', instance: 'b' }, 'pending')
		]);
		const row = ruleRowOf(r, s, silences({ s2: '{instance="b"}', s1: '{instance="a"}', s3: '{instance="c"}' }));
		expect(row.silenced).toBe(true);
		expect(row.silences).toEqual(['s1', 's2']);
	});

	it('is not silenced when silences match only its inactive instances', () => {
		const s = state(r.id, [inst({ alertname: 'PaymentsDown', service: 'payments', instance: 'a' }, 'firing'), inst({ alertname: 'PaymentsDown', service: 'payments', instance: 'old' }, 'inactive')]);
		expect(ruleRowOf(r, s, silences({ s1: '{instance="old"}' })).silenced).toBe(false);
	});

	it('with active instances, a silence on the static labels that none of them match does not count', () => {
		const s = state(r.id, [inst({ alertname: 'PaymentsDown', service: 'payments-eu', instance: 'a' }, 'firing')]);
		expect(ruleRowOf(r, s, silences({ s1: '{service="payments"}' })).silenced).toBe(false);
	});

	it('with no active instance: alertname, static labels and severity decide; templated labels are not known', () => {
		expect(staticLabels(r)).toEqual({ alertname: 'PaymentsDown', service: 'payments', severity: 'critical' });
		expect(ruleRowOf(r, undefined, silences({ s1: '{alertname="PaymentsDown"}' })).silences).toEqual(['s1']);
		expect(ruleRowOf(r, state(r.id, []), silences({ s1: '{service="payments", severity="critical"}' })).silenced).toBe(true);
		expect(ruleRowOf(r, undefined, silences({ s1: '{alertname=~"Payments.*", service!="payments"}' })).silenced).toBe(false);
		// The instance label comes from a template: a silence on it cannot be judged, so it does not hold the rule.
		expect(ruleRowOf(r, undefined, silences({ s1: '{instance="a"}' })).silenced).toBe(false);
		// A matcher on a label the rule does not carry reads it as "" (Alertmanager's rule).
		expect(ruleRowOf(r, undefined, silences({ s1: '{alertname="PaymentsDown", team=""}' })).silenced).toBe(true);
	});
});

describe('ruleRows', () => {
	it('keeps the groups and rules in order and matches states by id', () => {
		const groups: StoredGroup[] = [
			{ name: 'b', rules: [rule('b', 'Z'), rule('b', 'A')] },
			{ name: 'a', rules: [rule('a', 'M', {}, { enabled: false })] }
		];
		const rows = ruleRows(groups, new Map([['b/A', state('b/A', [inst({ x: '1' }, 'firing')])]]), none);
		expect(rows.map((r) => [r.id, r.counts.firing, r.enabled])).toEqual([
			['b/Z', 0, true],
			['b/A', 1, true],
			['a/M', 0, false]
		]);
	});
});

describe('filters', () => {
	const rows = [
		ruleRowOf(rule('shop', 'PaymentsDown', { severity: 'critical', labels: { team: 'payments' } }), state('shop/PaymentsDown', [inst({ a: '1' }, 'firing')]), silences({ s1: '{a="1"}' })),
		ruleRowOf(rule('shop', 'Slow', { severity: 'warning' }), state('shop/Slow', [inst({ a: '1' }, 'pending')]), none),
		ruleRowOf(rule('queues', 'Backlog'), state('queues/Backlog', [], { health: 'nodata' }), none),
		ruleRowOf(rule('queues', 'Broken', { severity: 'info' }), state('queues/Broken', [inst({}, 'error')], { health: 'error' }), none),
		ruleRowOf(rule('queues', 'Off', {}, { enabled: false }), undefined, none),
		ruleRowOf(rule('queues', 'Fine'), state('queues/Fine', []), none)
	];
	const names = (q: string) => filterRuleRows(rows, readRuleFilter(new URLSearchParams(q))).map((r) => r.name);

	it('filters by state', () => {
		expect(names('state=firing')).toEqual(['PaymentsDown']);
		expect(names('state=pending')).toEqual(['Slow']);
		expect(names('state=active')).toEqual(['PaymentsDown', 'Slow', 'Broken']);
		expect(names('state=nodata')).toEqual(['Backlog']);
		expect(names('state=error')).toEqual(['Broken']);
		expect(names('state=ok')).toEqual(['Fine']);
	});

	it('filters by text in name, group and labels (every word, any case), severity, group, enabled and silenced', () => {
		expect(names('q=payments')).toEqual(['PaymentsDown']);
		expect(names('q=TEAM=pay')).toEqual(['PaymentsDown']);
		expect(names('q=queues b')).toEqual(['Backlog', 'Broken']);
		expect(names('severity=critical')).toEqual(['PaymentsDown']);
		expect(names('severity=none')).toEqual(['Backlog', 'Off', 'Fine']);
		expect(names('group=shop')).toEqual(['PaymentsDown', 'Slow']);
		expect(names('enabled=no')).toEqual(['Off']);
		expect(names('silenced=yes')).toEqual(['PaymentsDown']);
		expect(names('silenced=no&group=shop')).toEqual(['Slow']);
	});

	it('ignores unknown values and writes back only what is set', () => {
		expect(readRuleFilter(new URLSearchParams('state=bogus&severity=x&enabled=maybe'))).toEqual(EMPTY_RULE_FILTER);
		expect(ruleFilterQuery(EMPTY_RULE_FILTER)).toBe('');
		const f = readRuleFilter(new URLSearchParams('silenced=no&q=a b&state=firing&group=x/y'));
		expect(ruleFilterQuery(f)).toBe('?q=a+b&state=firing&group=x%2Fy&silenced=no');
		expect(readRuleFilter(new URLSearchParams(ruleFilterQuery(f).slice(1)))).toEqual(f);
	});

	it('links a rule by its two segments, each encoded', () => {
		expect(rulePath('shop/PaymentsDown', 'shop')).toBe('/rules/shop/PaymentsDown');
		expect(rulePath('shop/Down#2', 'shop')).toBe('/rules/shop/Down%232');
		expect(rulePath('a b/c?d/X', 'a b/c?d')).toBe('/rules/a%20b%2Fc%3Fd/X');
	});
});
