/**
 * The standards a merchant and a customer-service team are held to (the config's
 * `scorecards.standards`). Shares are 0..1. The satisfaction and complaint-handling defaults are
 * the service-quality plan's (satisfaction at least 90 %; complaints answered within 24 h and
 * closed within 48 h, here: 95 % of them); completion, complaint rate and the team standards are
 * Vigil's choice, documented in the README.
 */
export interface ScorecardStandards {
	/** Least share of a merchant's orders that complete. */
	completion: number;
	/** Least share of rated tickets rated 4 or 5. */
	satisfaction: number;
	/** Most complaints per order. */
	complaintRate: number;
	/** Least share of complaints answered within 24 hours (among those decided). */
	complaintsAnswered24h: number;
	/** Least share of complaints closed within 48 hours (among those decided). */
	complaintsClosed48h: number;
	/** Teams: least share of tickets answered within 5 minutes (among those decided). */
	answered5m: number;
	/** Teams: least share of tickets resolved or closed. */
	resolution: number;
	/**
	 * Fewest orders, ratings or tickets a figure must rest on to be judged: a share of 1 complaint in
	 * 4 orders is shown, not flagged (Vigil's default 20).
	 */
	minSample: number;
}

export const DEFAULT_SCORECARD_STANDARDS: ScorecardStandards = {
	completion: 0.95,
	satisfaction: 0.9,
	complaintRate: 0.05,
	complaintsAnswered24h: 0.95,
	complaintsClosed48h: 0.95,
	answered5m: 0.9,
	resolution: 0.9,
	minSample: 20
};
