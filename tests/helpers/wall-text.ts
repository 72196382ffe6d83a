/**
 * How big the wall's text is, as a person 5 m from a 55" 16:9 screen sees it.
 *
 * Every visible text node on the wall is measured: its font's cap height (the height of "H" in the
 * element's own font, drawn on a canvas: the height of capitals and digits) and its font size, as a
 * share of the screen's height and in arcminutes at the viewing distance. Texts are grouped by
 * their element's class ("text class"); a class is "detail" (read up close: the age of a tile's
 * data, threshold captions, the footer's technical status) when it sits inside one of DETAIL, and
 * "read" (a person must read it from across the room) otherwise, so a new text is held to the
 * reading size unless it is named here as detail.
 */
import type { Page } from '@playwright/test';

/** 55" 16:9: the screen's height in mm (55 × 25.4 × 9 / √337). */
export const SCREEN_HEIGHT_MM = (55 * 25.4 * 9) / Math.sqrt(16 * 16 + 9 * 9);
export const DISTANCE_MM = 5000;
/** The smallest character height worth reading from across the room. */
export const MIN_ARCMIN = 16;

/** Arcminutes subtended at DISTANCE_MM by a text `share` of the screen's height high. */
export function arcmin(share: number): number {
	const mm = share * SCREEN_HEIGHT_MM;
	return ((2 * Math.atan(mm / 2 / DISTANCE_MM) * 180) / Math.PI) * 60;
}

/** The share of the screen's height that MIN_ARCMIN needs (3.40 %). */
export const MIN_SHARE = (2 * DISTANCE_MM * Math.tan(((MIN_ARCMIN / 60 / 2) * Math.PI) / 180)) / SCREEN_HEIGHT_MM;

/**
 * Texts read up close, not from across the room: a tile's "updated 0.4 s ago" (a stale tile's
 * badge is read: it is not here), threshold captions and labels on a chart, a stat's trend line,
 * an SLO's budget line and its next stage's line (beside its target), the wall's footer (connection, Redis, roles) and the navigation a login
 * gets. The chart's axis ticks and legend are drawn on its canvas: they are not DOM text and are
 * sized apart (ChartTile).
 */
export const DETAIL = [
	'[data-testid="tile-age"]:not(:has(.stale-badge))',
	'[data-testid="age"]',
	'[data-testid="tile-limits"]',
	'[data-testid="threshold-line"]',
	'[data-testid="threshold-marker"]',
	'[data-testid="tile-trend"]',
	'.trend',
	'[data-testid="slo-budget"]',
	'[data-testid="slo-period"]',
	'.slo-target',
	'[data-testid="slo-next"]',
	'[data-testid="queue-detail"]',
	'[data-testid="wall-footer"]',
	'[data-testid="wall-nav"]',
	'[data-testid="rotation"]'
];

export interface TextClass {
	cls: string;
	kind: 'read' | 'detail';
	/** The smallest cap height of the class, as a share of the screen's height. */
	cap: number;
	/** The smallest font size of the class, as a share of the screen's height. */
	font: number;
	arcmin: number;
	sample: string;
	count: number;
}

/** Every text class on the page's wall with its smallest size, smallest first. */
export async function measureWallText(page: Page): Promise<TextClass[]> {
	const raw = await page.evaluate((detail) => {
		const root = document.querySelector('[data-testid="wall"]');
		if (!root) return [];
		const ctx = document.createElement('canvas').getContext('2d')!;
		const out: Array<{ cls: string; kind: 'read' | 'detail'; cap: number; font: number; sample: string }> = [];
		const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
		const nameOf = (el: Element): string => {
			const classes = [...el.classList].filter((c) => !c.startsWith('svelte-') && !/^(tone|sev|state|fresh|kind)-/.test(c));
			const id = el.getAttribute('data-testid');
			return `${el.tagName.toLowerCase()}${classes.map((c) => `.${c}`).join('')}${id ? `[${id}]` : ''}`;
		};
		for (let n = walker.nextNode(); n; n = walker.nextNode()) {
			const text = n.textContent?.trim() ?? '';
			if (!text) continue;
			const el = n.parentElement!;
			const range = document.createRange();
			range.selectNodeContents(n);
			const r = range.getBoundingClientRect();
			if (r.width < 1 || r.height < 1 || r.bottom <= 0 || r.top >= innerHeight || r.right <= 0 || r.left >= innerWidth) continue;
			const cs = getComputedStyle(el);
			if (cs.visibility === 'hidden') continue;
			let hiddenBy: Element | null = el;
			while (hiddenBy && getComputedStyle(hiddenBy).display !== 'none') hiddenBy = hiddenBy.parentElement;
			if (hiddenBy) continue;
			ctx.font = `${cs.fontStyle} ${cs.fontWeight} ${cs.fontSize} ${cs.fontFamily}`;
			// CSS zoom (the plain wall zooms its tiles to fit) scales the text as drawn.
			let zoom = 1;
			for (let a: Element | null = el; a; a = a.parentElement) zoom *= parseFloat(getComputedStyle(a).zoom) || 1;
			const cap = ctx.measureText('H').actualBoundingBoxAscent * zoom;
			const parent = el.parentElement && el.parentElement !== root ? nameOf(el.parentElement) : '';
			out.push({
				cls: parent && !el.classList.length && !el.getAttribute('data-testid') ? `${parent} > ${nameOf(el)}` : nameOf(el),
				// "+N more" is read from across the room wherever it sits (an SLO tile's is on the age line).
				kind: !el.closest('.more') && detail.some((sel) => el.closest(sel)) ? 'detail' : 'read',
				cap: cap / innerHeight,
				font: (parseFloat(cs.fontSize) * zoom) / innerHeight,
				sample: text.slice(0, 40)
			});
		}
		return out;
	}, DETAIL);
	const byClass = new Map<string, TextClass>();
	for (const t of raw) {
		const key = `${t.kind} ${t.cls}`;
		const known = byClass.get(key);
		if (!known) byClass.set(key, { ...t, arcmin: arcmin(t.cap), count: 1 });
		else {
			known.count++;
			if (t.cap < known.cap) Object.assign(known, { cap: t.cap, font: t.font, arcmin: arcmin(t.cap), sample: t.sample });
		}
	}
	return [...byClass.values()].sort((a, b) => a.cap - b.cap);
}

/** One line per class: "read  2.31 % cap (3.17 % font) 10.9′  h2  “Orders per minute”". */
export function textReport(classes: readonly TextClass[]): string {
	return classes.map((c) => `${c.kind.padEnd(6)} ${(c.cap * 100).toFixed(2)} % cap (${(c.font * 100).toFixed(2)} % font) ${c.arcmin.toFixed(1)}′  ${c.cls}  “${c.sample}” ×${c.count}`).join('\n');
}

/**
 * Texts cut without saying so. Every visible text on the wall must lie inside every box that clips
 * it (its tile, a list): a text that runs past one is allowed only inside an element that says it
 * is cut (`data-clipped="yes"`: it ends in "…") or an item a list hides and counts ("+N more",
 * `visibility: hidden`). Also, a list that has items shows its first (its worst) one: a list that
 * shows none of them while counting them says too little. Each finding reads
 * "<tile>: “text” runs 12 px past its box".
 */
export async function findCutText(page: Page): Promise<string[]> {
	return page.evaluate(() => {
		const root = document.querySelector('[data-testid="wall"]');
		if (!root) return ['no wall on the page'];
		const found: string[] = [];
		const tileOf = (el: Element) => el.closest('[data-testid="board-tile"], [data-testid="tile"]');
		const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
		for (let n = walker.nextNode(); n; n = walker.nextNode()) {
			const text = n.textContent?.trim() ?? '';
			const el = n.parentElement!;
			const tile = tileOf(el);
			if (!text || !tile) continue;
			if (getComputedStyle(el).visibility === 'hidden' || el.closest('[data-clipped="yes"]')) continue;
			const range = document.createRange();
			range.selectNodeContents(n);
			const r = range.getBoundingClientRect();
			if (r.width < 1 || r.height < 1) continue;
			for (let a: Element | null = el.parentElement; a; a = a.parentElement) {
				const cs = getComputedStyle(a);
				if (cs.overflowX !== 'visible' || cs.overflowY !== 'visible' || a === tile) {
					const box = a.getBoundingClientRect();
					const past = Math.max(r.bottom - box.bottom, r.right - box.right, box.top - r.top, box.left - r.left);
					// A line's content box is a little taller than its line-height (ascent and descent): up to
					// a tenth of the font size past the box is the glyphs' empty margin, not a cut.
					if (past > Math.max(2, 0.1 * parseFloat(getComputedStyle(el).fontSize))) {
						found.push(`${tile.getAttribute('data-title') ?? tile.textContent?.trim().slice(0, 30)}: “${text.slice(0, 50)}” runs ${Math.round(past)} px past its box`);
						break;
					}
				}
				if (a === tile) break;
			}
		}
		for (const list of root.querySelectorAll('[data-testid="fit-list"], [data-testid="alert-list"], [data-testid="stat-list"]')) {
			const first = list.querySelector<HTMLElement>(':scope > [data-fit-item]');
			if (first && getComputedStyle(first).visibility === 'hidden') found.push(`${tileOf(list)?.getAttribute('data-title')}: the list shows none of its items`);
		}
		return found;
	});
}
