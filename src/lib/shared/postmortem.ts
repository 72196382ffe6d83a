/**
 * A postmortem's written sections: impact, root cause and follow-ups. They are notes on the
 * incident's timeline (audited, kept with it) that begin with their section's name and a colon
 * ("Root cause: the payments pool was exhausted"); the postmortem page shows each under its
 * heading, in time order, and the other notes under "Notes". Its form writes such notes.
 */
export const POSTMORTEM_SECTIONS = [
	{ key: 'impact', title: 'Impact, as written', prefix: 'Impact' },
	{ key: 'cause', title: 'Root cause', prefix: 'Root cause' },
	{ key: 'followups', title: 'Follow-ups', prefix: 'Follow-up' }
] as const;
export type SectionKey = (typeof POSTMORTEM_SECTIONS)[number]['key'];

const HEAD = /^\s*(impact|root[ -]cause|follow[ -]?ups?)\s*:\s*/i;

function keyOf(word: string): SectionKey {
	const w = word.toLowerCase().replace(/[ -]/g, '');
	return w === 'impact' ? 'impact' : w === 'rootcause' ? 'cause' : 'followups';
}

/** The notes by section (their text without the heading), and the rest. */
export function postmortemSections<N extends { text: string }>(notes: readonly N[]): { sections: Record<SectionKey, N[]>; other: N[] } {
	const sections: Record<SectionKey, N[]> = { impact: [], cause: [], followups: [] };
	const other: N[] = [];
	for (const n of notes) {
		const m = HEAD.exec(n.text);
		if (m && n.text.slice(m[0].length).trim()) sections[keyOf(m[1]!)].push({ ...n, text: n.text.slice(m[0].length) });
		else other.push(n);
	}
	return { sections, other };
}

/** The note that writes `text` into a section. */
export function sectionNote(key: string, text: string): string | null {
	const s = POSTMORTEM_SECTIONS.find((x) => x.key === key);
	return s && text.trim() ? `${s.prefix}: ${text.trim()}` : null;
}
