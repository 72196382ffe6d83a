/**
 * The live preview of a silence or maintenance-window form: the body is posted to the API's
 * preview route 300 ms after the last change (with the session's CSRF header); the answer, or the
 * refusal naming the field, is kept in reactive state. Nothing is written by a preview.
 */
import { rulePathOfId } from '$lib/shared/rule-rows';

export interface PreviewAlert {
	ruleId: string;
	rulePage: string;
	state: string;
	labels: string;
}

export interface PreviewState {
	busy: boolean;
	error: string | null;
	alerts: PreviewAlert[];
	total: number;
	alertsTotal: number;
	/** Window previews: whether it would be open now, and its next occurrences (epoch ms). */
	activeNow: boolean | null;
	occurrences: Array<{ start: number; end: number }>;
}

interface Answer {
	error?: string;
	alerts?: Array<{ ruleId: string; state: string; labels: Record<string, string> }>;
	alertsTotal?: number;
	activeNow?: boolean | null;
	occurrences?: Array<{ start: number; end: number }>;
}

const SHOWN = 20;

export class LivePreview {
	state = $state<PreviewState>({ busy: false, error: null, alerts: [], total: 0, alertsTotal: 0, activeNow: null, occurrences: [] });
	private timer: ReturnType<typeof setTimeout> | undefined;
	private seq = 0;

	constructor(
		private readonly url: string,
		private readonly csrf: () => string
	) {}

	/** Asks again 300 ms after the last call; a body of null clears the preview. */
	update(body: Record<string, unknown> | null): void {
		clearTimeout(this.timer);
		if (body === null) {
			this.seq++;
			this.state = { busy: false, error: null, alerts: [], total: 0, alertsTotal: 0, activeNow: null, occurrences: [] };
			return;
		}
		this.timer = setTimeout(() => void this.ask(body), 300);
	}

	stop(): void {
		clearTimeout(this.timer);
		this.seq++;
	}

	private async ask(body: Record<string, unknown>): Promise<void> {
		const mine = ++this.seq;
		this.state.busy = true;
		try {
			const res = await fetch(this.url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-csrf-token': this.csrf() }, body: JSON.stringify(body) });
			const a = (await res.json().catch(() => ({}))) as Answer;
			if (mine !== this.seq) return;
			if (!res.ok) {
				this.state = { ...this.state, busy: false, error: a.error ?? `the server answered ${res.status}`, alerts: [], total: 0 };
				return;
			}
			const all = a.alerts ?? [];
			const order = (s: string) => (s === 'firing' ? 0 : s === 'pending' ? 1 : 2);
			const sorted = [...all].sort((x, y) => order(x.state) - order(y.state));
			this.state = {
				busy: false,
				error: null,
				alerts: sorted.slice(0, SHOWN).map((x) => ({
					ruleId: x.ruleId,
					rulePage: rulePathOfId(x.ruleId),
					state: x.state,
					labels: Object.entries(x.labels)
						.map(([k, v]) => `${k}=${JSON.stringify(v)}`)
						.join(', ')
				})),
				total: all.length,
				alertsTotal: a.alertsTotal ?? 0,
				activeNow: a.activeNow ?? null,
				occurrences: a.occurrences ?? []
			};
		} catch (err) {
			if (mine === this.seq) this.state = { ...this.state, busy: false, error: `could not reach Vigil (${(err as Error).message})` };
		}
	}
}
