import { describe, expect, it } from 'vitest';
import { bucketQuantile } from './histogram';

const b = (pairs: Array<[number, number]>) => pairs.map(([le, count]) => ({ le, count }));

describe('bucketQuantile', () => {
	const h = b([
		[0.1, 10],
		[0.5, 60],
		[1, 90],
		[Infinity, 100]
	]);

	it('interpolates within the bucket holding the rank', () => {
		expect(bucketQuantile(0.5, h)).toBeCloseTo(0.1 + 0.4 * (40 / 50), 12);
		expect(bucketQuantile(0.05, h)).toBeCloseTo(0.05, 12);
		expect(bucketQuantile(0.9, h)).toBeCloseTo(1, 12);
	});

	it('answers the +Inf bucket with the highest finite bound', () => {
		expect(bucketQuantile(0.99, h)).toBe(1);
	});

	it('follows Prometheus at the edges', () => {
		expect(bucketQuantile(-0.1, h)).toBe(-Infinity);
		expect(bucketQuantile(1.1, h)).toBe(Infinity);
		expect(bucketQuantile(0.5, b([[Infinity, 0]]))).toBeNaN();
		expect(bucketQuantile(0.5, b([[1, 5]]))).toBeNaN();
		expect(bucketQuantile(0.5, b([
			[1, 0],
			[Infinity, 0]
		]))).toBeNaN();
	});

	it('repairs counts that decrease with le', () => {
		expect(bucketQuantile(0.5, b([
			[1, 10],
			[2, 8],
			[Infinity, 20]
		]))).toBe(1);
	});
});
