/**
 * A list on a tile shows what fits and counts the rest: nothing is cut without saying so. After
 * every change of the list or of its size, the items (children marked `data-fit-item`) whose box
 * runs past the list's bottom or right edge are hidden, and so is every item after the first one
 * that does (lists come worst first: what is hidden is the least bad). Hidden items keep their place
 * (`visibility: hidden`), so hiding them moves nothing; `onHidden` gets their number for "+N more".
 */
export function fitList(node: HTMLElement, onHidden: (hidden: number) => void) {
	let report = onHidden;
	let last = -1;
	let frame = 0;
	const measure = () => {
		frame = 0;
		const box = node.getBoundingClientRect();
		let hidden = 0;
		for (const el of node.querySelectorAll<HTMLElement>(':scope > [data-fit-item]')) {
			let out = hidden > 0;
			if (!out) {
				const r = el.getBoundingClientRect();
				out = r.bottom > box.bottom + 1 || r.right > box.right + 1;
			}
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
	resized.observe(node);
	const changed = new MutationObserver(soon);
	changed.observe(node, { childList: true, subtree: true, characterData: true });
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
		}
	};
}
