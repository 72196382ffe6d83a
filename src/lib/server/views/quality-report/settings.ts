/**
 * The quarterly service-quality report's settings (the config's `quality:` section): its title and
 * declared policy, the expression of the system failure rate, the plan's targets, and the services
 * published under a display name. Defaults when the config has none.
 */

/** The plan's measures, in the order the report lists them. */
export const TARGET_IDS = ['failureRate', 'answered5m', 'complaintsAnswered24h', 'complaintsClosed48h', 'satisfaction'] as const;
export type TargetId = (typeof TARGET_IDS)[number];

export interface QualitySettings {
	/** The report's title, as published. */
	title: string;
	/** The declared policy: paragraphs of plain text, printed on the report and published with it. */
	policy: string[];
	/**
	 * PromQL giving the system failure ratio (0..1) as one series; the quarter's figure is the mean of
	 * its hourly values (evaluated as the reports evaluate an SLO).
	 */
	failureRate: string;
	/**
	 * The plan's levels (shares 0..1): the failure rate must stay under `failureRate`; each other
	 * share must reach its level.
	 */
	targets: Record<TargetId, number>;
	/**
	 * The plan's next stages: a stricter level a target is held to from a day on ('YYYY-MM-DD' in
	 * the reports' time zone). A quarter that starts on or after that day is judged by it; an
	 * earlier quarter shows it beside the level in force, with whether the figure would meet it.
	 */
	stages: Partial<Record<TargetId, { level: number; from: string }>>;
	/**
	 * Services published with the report: `service` label value -> the name customers see. Only
	 * these appear in the public snapshot; the page shows every service.
	 */
	services: Record<string, string>;
}

export const DEFAULT_QUALITY_SETTINGS: QualitySettings = {
	title: 'Quarterly service-quality report',
	policy: [
		'Figures cover the tickets and complaints created in the quarter, each counted once at its latest state (a reopened or re-rated ticket as it is now).',
		'Uptime is the share of the quarter each service answered its health checks; planned maintenance announced in advance is left out of the quarter.',
		'Satisfaction is the share of rated tickets rated 4 or 5 on a scale of 1 (worst) to 5 (best).'
	],
	failureRate: 'max(system_failure_ratio)',
	targets: { failureRate: 0.001, answered5m: 0.95, complaintsAnswered24h: 0.95, complaintsClosed48h: 0.95, satisfaction: 0.9 },
	stages: {},
	services: {}
};

/** How each target is named on the report (and in the public snapshot), and which way it is met. */
export const TARGET_TEXT: Record<TargetId, { name: string; op: '<' | '>=' }> = {
	failureRate: { name: 'System failure rate', op: '<' },
	answered5m: { name: 'Customer-service answers within 5 minutes', op: '>=' },
	complaintsAnswered24h: { name: 'Complaints answered within 24 hours', op: '>=' },
	complaintsClosed48h: { name: 'Complaints closed within 48 hours', op: '>=' },
	satisfaction: { name: 'Customer satisfaction (rated 4 or 5 of 5)', op: '>=' }
};
