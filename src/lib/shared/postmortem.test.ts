import { describe, expect, it } from 'vitest';
import { postmortemSections, sectionNote } from './postmortem';

describe('postmortem sections', () => {
	it('files notes that begin with a section name under it, the rest as notes', () => {
		const notes = [
			{ id: '1', text: 'Root cause: the payments pool was exhausted' },
			{ id: '2', text: 'paged the db team' },
			{ id: '3', text: 'impact:  40 % of checkouts failed for 12 min' },
			{ id: '4', text: 'Follow-up: alert on pool usage' },
			{ id: '5', text: 'Follow-ups: raise the pool size' },
			{ id: '6', text: 'Root cause:' },
			{ id: '7', text: 'the root cause: unknown' }
		];
		const { sections, other } = postmortemSections(notes);
		expect(sections.cause).toEqual([{ id: '1', text: 'the payments pool was exhausted' }]);
		expect(sections.impact).toEqual([{ id: '3', text: '40 % of checkouts failed for 12 min' }]);
		expect(sections.followups.map((n) => n.text)).toEqual(['alert on pool usage', 'raise the pool size']);
		// A heading alone, or one not at the start, is an ordinary note.
		expect(other.map((n) => n.id)).toEqual(['2', '6', '7']);
	});

	it('writes a section note, refusing an unknown section or no text', () => {
		expect(sectionNote('cause', '  pool exhausted ')).toBe('Root cause: pool exhausted');
		expect(sectionNote('followups', 'alert on pool usage')).toBe('Follow-up: alert on pool usage');
		expect(postmortemSections([{ text: sectionNote('impact', 'x')! }]).sections.impact).toEqual([{ text: 'x' }]);
		expect(sectionNote('blame', 'x')).toBeNull();
		expect(sectionNote('impact', '  ')).toBeNull();
	});
});
