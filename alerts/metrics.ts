/** The alerts role's metrics (evaluations, groups, alert counts, leadership, notification attempts). */
import { Counter, Gauge, type Registry } from 'prom-client';

export type RoleMetrics = ReturnType<typeof createMetrics>;

export function createMetrics(registry?: Registry) {
	const registers = registry ? [registry] : [];
	return {
		evaluations: new Counter({ name: 'vigil_rule_evaluations_total', help: 'Rule evaluations.', registers }),
		failures: new Counter({ name: 'vigil_rule_evaluation_failures_total', help: 'Rule evaluations that ended in the error state.', labelNames: ['rule'], registers }),
		missed: new Counter({
			name: 'vigil_rule_group_iterations_missed_total',
			help: 'Rule group evaluations skipped because the previous one was still running.',
			labelNames: ['group'],
			registers
		}),
		groupDuration: new Gauge({ name: 'vigil_rule_group_last_duration_seconds', help: 'How long the last evaluation of a rule group took.', labelNames: ['group'], registers }),
		groupLast: new Gauge({ name: 'vigil_rule_group_last_evaluation_timestamp_seconds', help: 'When a rule group was last evaluated.', labelNames: ['group'], registers }),
		ruleDuration: new Gauge({ name: 'vigil_rule_last_duration_seconds', help: 'How long the last evaluation of a rule took.', labelNames: ['rule'], registers }),
		alerts: new Gauge({ name: 'vigil_alerts', help: 'Alert instances by state (leader only).', labelNames: ['state'], registers }),
		leader: new Gauge({ name: 'vigil_alerts_leader', help: 'Whether this process leads rule evaluation (1) or stands by (0).', registers }),
		notifications: new Counter({
			name: 'vigil_notification_attempts_total',
			help: 'Notification delivery attempts by channel and outcome (sent, retry, failed).',
			labelNames: ['channel', 'outcome'],
			registers
		})
	};
}
