import { describe, expect, it } from 'vitest';
import { dayText, levelAt, parseDay, shortfall, stageProblems, stricter } from './slo-stage';

describe('staged targets', () => {
	it('read a day only when it is a real calendar day', () => {
		expect(parseDay('2027-07-01')).toEqual({ y: 2027, m0: 6, d: 1 });
		expect(parseDay('2028-02-29')).toEqual({ y: 2028, m0: 1, d: 29 });
		expect(parseDay('2027-02-29')).toBeNull();
		expect(parseDay('2027-13-01')).toBeNull();
		expect(parseDay('2027-7-1')).toBeNull();
		expect(parseDay('next year')).toBeNull();
	});

	it('call a next level stricter only in the direction of the op', () => {
		expect(stricter('>=', 0.9, 0.95)).toBe(true);
		expect(stricter('>=', 0.9, 0.9)).toBe(false);
		expect(stricter('>', 0.9, 0.85)).toBe(false);
		expect(stricter('<', 0.001, 0.0005)).toBe(true);
		expect(stricter('<=', 86400, 43200)).toBe(true);
		expect(stricter('<=', 86400, 90000)).toBe(false);
	});

	it('name what is wrong with a next stage', () => {
		expect(stageProblems('>=', 0.9, { level: 0.95, from: '2027-07-01' }, 'threshold')).toEqual([]);
		expect(stageProblems('>=', 0.9, { level: 0.95, from: '1 Jul 2027' }, 'threshold')).toEqual([{ path: 'from', message: 'not a date (YYYY-MM-DD)' }]);
		const [p] = stageProblems('<', 0.001, { level: 0.002, from: '2027-07-01' }, 'target');
		expect(p!.path).toBe('target');
		expect(p!.message).toMatch(/0\.002 is not stricter than the current target 0\.001 under "<" \(a next stage must be lower\)/);
	});

	it('judge by the current level before the day and by the next from its start on', () => {
		const stage = { level: 0.95, from: '2027-07-01', fromMs: Date.UTC(2027, 6, 1) };
		expect(levelAt(0.9, stage, stage.fromMs - 1)).toBe(0.9);
		expect(levelAt(0.9, stage, stage.fromMs)).toBe(0.95);
		expect(levelAt(0.9, undefined, stage.fromMs + 1)).toBe(0.9);
	});

	it('measure the shortfall in the direction of the op', () => {
		expect(shortfall('>=', 0.929, 0.95)).toBeCloseTo(0.021, 9);
		expect(shortfall('>=', 0.96, 0.95)).toBeCloseTo(-0.01, 9);
		expect(shortfall('<=', 50_000, 43_200)).toBe(6_800);
		expect(shortfall('<', 0.0004, 0.0005)).toBeCloseTo(-0.0001, 12);
	});

	it('write a day for people', () => {
		expect(dayText('2027-07-01')).toBe('1 Jul 2027');
		expect(dayText('2027-07-01', true)).toBe('Jul 2027');
		expect(dayText('2027-07-15', true)).toBe('15 Jul 2027');
	});
});
