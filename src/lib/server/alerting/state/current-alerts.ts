/**
 * The alerts that exist now: every instance of every rule's saved state (written by the alerts
 * leader after each evaluation) whose state is not `inactive`. Previews of silences and maintenance
 * windows match their matchers against these.
 */
import type { Redis } from 'ioredis';
import type { Keys } from '../../keys';
import type { Labels } from '../../../shared/series';
import type { AlertInstance, InstanceState, JsonNumber, RuleState } from '../../rules';
import { AlertStateStore } from './store';

export interface CurrentAlert {
	/** `group/alert`. */
	ruleId: string;
	fingerprint: string;
	labels: Labels;
	annotations: Labels;
	state: Exclude<InstanceState, 'inactive'>;
	value: JsonNumber;
	/** Epoch ms: since when the condition has held. */
	activeAt: number;
	firedAt?: number;
	resolvedAt?: number;
}

function current(ruleId: string, i: AlertInstance): CurrentAlert {
	const a: CurrentAlert = {
		ruleId,
		fingerprint: i.fingerprint,
		labels: i.labels,
		annotations: i.annotations ?? {},
		state: i.state as CurrentAlert['state'],
		value: i.value,
		activeAt: i.activeAt
	};
	if (i.firedAt !== undefined) a.firedAt = i.firedAt;
	if (i.resolvedAt !== undefined) a.resolvedAt = i.resolvedAt;
	return a;
}

/**
 * Every alert instance that is not inactive, by rule id then fingerprint. A rule state that does
 * not parse, or an instance without labels, is reported through `onBad` and left out.
 */
export async function currentAlerts(redis: Redis, keys: Keys, onBad?: (ruleId: string, problem: string) => void): Promise<CurrentAlert[]> {
	const states = await new AlertStateStore<RuleState>(redis, keys).load(onBad);
	const out: CurrentAlert[] = [];
	for (const [ruleId, saved] of states) {
		const instances = saved.state.instances;
		if (!Array.isArray(instances)) {
			onBad?.(ruleId, 'state has no instances list');
			continue;
		}
		for (const i of instances) {
			if (!i || typeof i !== 'object' || !i.labels || typeof i.labels !== 'object' || typeof i.state !== 'string') {
				onBad?.(ruleId, 'an instance without labels or state');
				continue;
			}
			if (i.state !== 'inactive') out.push(current(ruleId, i));
		}
	}
	return out.sort((a, b) => (a.ruleId < b.ruleId ? -1 : a.ruleId > b.ruleId ? 1 : a.fingerprint < b.fingerprint ? -1 : a.fingerprint > b.fingerprint ? 1 : 0));
}
