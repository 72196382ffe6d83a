import { describe, expect, it } from 'vitest';
import { isTemplate, templateParts } from './template-text';

describe('annotation templates in a list of rules', () => {
	it('splits the text as written from placeholders that name what each alert puts there', () => {
		expect(templateParts('{{ $labels.target }} is down')).toEqual([{ field: 'target', source: '{{ $labels.target }}' }, { text: ' is down' }]);
		expect(templateParts('p95 {{ $value | humanizeDuration }} on {{ .Labels.service }}, {{- index $labels "pod-name" -}}!')).toEqual([
			{ text: 'p95 ' },
			{ field: 'value', source: '{{ $value | humanizeDuration }}' },
			{ text: ' on ' },
			{ field: 'service', source: '{{ .Labels.service }}' },
			{ text: ', ' },
			{ field: 'pod-name', source: '{{- index $labels "pod-name" -}}' },
			{ text: '!' }
		]);
		// Anything else shows as its own expression; plain text is one part.
		expect(templateParts('{{ with $labels.cluster }}on {{ . }}{{ end }}')).toEqual([
			{ field: 'with $labels.cluster', source: '{{ with $labels.cluster }}' },
			{ text: 'on ' },
			{ field: '.', source: '{{ . }}' },
			{ field: 'end', source: '{{ end }}' }
		]);
		expect(templateParts('<img src=x> is down')).toEqual([{ text: '<img src=x> is down' }]);
		expect(templateParts('')).toEqual([]);
	});

	it('tells a template from plain text', () => {
		expect(isTemplate('{{ $labels.target }} is down')).toBe(true);
		expect(isTemplate('Checkout is down')).toBe(false);
		expect(isTemplate('a {{ unclosed')).toBe(false);
	});
});
