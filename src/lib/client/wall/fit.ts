/**
 * A list on a tile shows what fits and counts the rest: nothing is cut without saying so. After
 * every change of the list or of its size, the items (children marked `data-fit-item`) whose box
 * runs past the list's bottom or right edge are hidden, and so is every item after the first one
 * that does (lists come worst first: what is hidden is the least bad). Hidden items keep their place
 * (`visibility: hidden`), so hiding them moves nothing; `onHidden` gets their number for "+N more".
 *
 * The text never shrinks to fit: it is sized to be read from across the room (BoardGrid's
 * --read), so a list too long for its tile says "+N more" instead. (FIT_MIN stays 1; `--fit` is
 * set for styles that may use it.)
 *
 * The list is never shorter than its first item (the worst): blocks of the tile that may give way
 * (BoardGrid's `shrinks`) do, ending in "…" (markClipped). The first item may itself give way: a
 * part of it marked `data-fit-shrinks` (an alert's detail line) keeps whole lines, at least
 * `data-min-lines` (default 1), when the item is taller than the list can be, and then ends in "…"
 * (`data-clipped="yes"`, its full text in its `title`), so the item, and "+N more" under the list,
 * stay inside the tile.
 *
 * Measured again when the list or any item changes size (a tile grows, a name wraps), when items
 * come, go or change text, and when a class changes (a tile's tone changes its cells' size).
 */
/** The smallest text scale a list takes before it hides items. */
export const FIT_MIN = 1;
const SCALES = [1];

/** The height of a line of the element's text, in px. */
function lineOf(el: HTMLElement): number {
	const cs = getComputedStyle(el);
	return parseFloat(cs.lineHeight) || parseFloat(cs.fontSize) * 1.2;
}

/**
 * The first (worst) item is always shown: the list is at least as tall as it, and what else is on
 * the tile and may give way (a "why" line, detail: class `shrinks`) does. Its own part that gives
 * way (`data-fit-shrinks`) keeps the whole lines the list leaves room for, at least
 * `data-min-lines`, ending in "…" with its full text in its title when cut.
 */
function fitFirst(node: HTMLElement, first: HTMLElement | undefined): void {
	const give = first?.querySelector<HTMLElement>('[data-fit-shrinks]') ?? null;
	if (give) give.style.maxHeight = '';
	// The least the first item can be: its part that gives way at its fewest lines.
	const line = give ? lineOf(give) : 0;
	const least = give ? Number(give.dataset.minLines ?? 1) : 0;
	const spare = give ? Math.max(0, give.getBoundingClientRect().height - least * line) : 0;
	const floor = first ? `${Math.ceil(first.getBoundingClientRect().height - spare)}px` : '';
	if (node.style.minHeight !== floor) node.style.minHeight = floor;
	if (!give) return;
	// Whole lines of it that the list leaves room for, at least `least`.
	const over = first!.getBoundingClientRect().bottom - node.getBoundingClientRect().bottom;
	if (over > 1) give.style.maxHeight = `${Math.max(least, Math.floor((give.getBoundingClientRect().height - over + 1) / line)) * line}px`;
	const cut = give.scrollHeight > give.clientHeight + 1;
	if (cut) give.dataset.clipped = 'yes';
	else delete give.dataset.clipped;
	const text = cut ? (give.textContent ?? '').replace(/\s+/g, ' ').trim() : '';
	if (give.title !== text) give.title = text;
}

export function fitList(node: HTMLElement, onHidden: (hidden: number) => void) {
	let report = onHidden;
	let last = -1;
	let frame = 0;
	const measure = () => {
		frame = 0;
		const items = [...node.querySelectorAll<HTMLElement>(':scope > [data-fit-item]')];
		for (const el of items) if (!watched.has(el)) (watched.add(el), resized.observe(el));
		for (const el of items) el.style.visibility = '';
		fitFirst(node, items[0]);
		const outside = (el: HTMLElement, box: DOMRect) => {
			const r = el.getBoundingClientRect();
			return r.bottom > box.bottom + 1 || r.right > box.right + 1;
		};
		// The largest text scale at which every item fits, else the smallest.
		for (const scale of SCALES) {
			node.style.setProperty('--fit', String(scale));
			const box = node.getBoundingClientRect();
			if (!items.some((el) => outside(el, box))) break;
		}
		node.dataset.fit = node.style.getPropertyValue('--fit');
		const box = node.getBoundingClientRect();
		let hidden = 0;
		for (const el of items) {
			const out = hidden > 0 || outside(el, box);
			el.style.visibility = out ? 'hidden' : '';
			if (out) el.dataset.clipped = 'yes';
			else delete el.dataset.clipped;
			if (out) hidden++;
		}
		if (hidden !== last) {
			last = hidden;
			report(hidden);
		}
	};
	const soon = () => {
		if (!frame) frame = requestAnimationFrame(measure);
	};
	const resized = new ResizeObserver(soon);
	const watched = new WeakSet<Element>();
	resized.observe(node);
	const changed = new MutationObserver(soon);
	changed.observe(node, { childList: true, subtree: true, characterData: true });
	// The tile's tone (a class on an ancestor) changes its items' size and the list's columns.
	const tile = node.closest('[data-testid="board-tile"]') ?? node;
	const restyled = new MutationObserver(soon);
	restyled.observe(tile, { attributes: true, attributeFilter: ['class', 'style'] });
	soon();
	return {
		update(next: (hidden: number) => void) {
			report = next;
			soon();
		},
		destroy() {
			cancelAnimationFrame(frame);
			resized.disconnect();
			changed.disconnect();
			restyled.disconnect();
		}
	};
}

/**
 * Detail that may not fit (a stat's trend and thresholds under a value whose state wrapped): the
 * box shrinks with its tile and, when its text runs past it, gets `data-clipped="yes"`, which
 * shows an ellipsis at its end (BoardGrid's CSS): cut, but saying so. It keeps whole lines, at
 * least `data-min-lines` (default 1; 0 lets a line that repeats what the tile shows elsewhere
 * give way entirely). The full text stays in the element's `title` for a pointer up close.
 */
export function markClipped(node: HTMLElement) {
	let frame = 0;
	const measure = () => {
		frame = 0;
		// Whole lines only: the height the tile leaves it, rounded down to a number of lines (at least
		// one), so no line shows half. Measured afresh each time (a taller tile gives lines back).
		node.style.maxHeight = '';
		const cs = getComputedStyle(node);
		const line = parseFloat(cs.lineHeight) || parseFloat(cs.fontSize) * 1.2;
		const least = Number(node.dataset.minLines ?? 1);
		if (node.scrollHeight > node.clientHeight + 1) node.style.maxHeight = `${Math.max(least, Math.floor((node.clientHeight + 1) / line)) * line}px`;
		const clipped = node.scrollHeight > node.clientHeight + 1;
		if (clipped) node.dataset.clipped = 'yes';
		else delete node.dataset.clipped;
		const text = clipped ? (node.textContent ?? '').replace(/\s+/g, ' ').trim() : '';
		if (node.title !== text) node.title = text;
	};
	const soon = () => {
		if (!frame) frame = requestAnimationFrame(measure);
	};
	const resized = new ResizeObserver(soon);
	resized.observe(node);
	const changed = new MutationObserver(soon);
	changed.observe(node, { childList: true, subtree: true, characterData: true });
	soon();
	return {
		destroy() {
			cancelAnimationFrame(frame);
			resized.disconnect();
			changed.disconnect();
		}
	};
}
