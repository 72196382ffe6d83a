/**
 * The incident page's chart: the member alerts' expressions over the incident window, with the
 * incident's start and end marked, its time axis in the page's zone (named in the axis title).
 * Chart.js on a canvas (no HTML from data: names are drawn as text by the canvas).
 */
import { Chart, Legend, LinearScale, LineController, LineElement, PointElement, Tooltip, type Plugin } from 'chart.js';

Chart.register(LineController, LineElement, PointElement, LinearScale, Legend, Tooltip);

export interface IncidentChartInput {
	series: Array<{ name: string; points: Array<[number, number]> }>;
	start: number;
	end: number;
	from: number;
	to: number;
	/** The IANA zone the page writes its times in: the axis uses it too, so the chart and the text agree. */
	zone: string;
	/** The service's outage (first failed probe to recovery, or to `end`), shaded lighter than the incident. */
	outage?: { start: number; end: number };
}

const COLORS = ['#38bdf8', '#f59e0b', '#a78bfa', '#22c55e', '#f472b6', '#ef4444', '#eab308', '#14b8a6'];

/** "14:05" in the zone. */
function clockIn(zone: string): (ms: number) => string {
	const f = new Intl.DateTimeFormat('en-GB', { timeZone: zone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
	return (ms) => f.format(new Date(ms));
}

export function drawIncidentChart(canvas: HTMLCanvasElement, input: IncidentChartInput): () => void {
	const clock = clockIn(input.zone);
	const band: Plugin<'line'> = {
		id: 'incidentBand',
		beforeDatasetsDraw(chart) {
			const x = chart.scales.x!;
			const area = chart.chartArea;
			const a = Math.max(area.left, x.getPixelForValue(input.start));
			const b = Math.min(area.right, x.getPixelForValue(input.end));
			const g = chart.ctx;
			g.save();
			if (input.outage) {
				const oa = Math.max(area.left, x.getPixelForValue(input.outage.start));
				const ob = Math.min(area.right, x.getPixelForValue(input.outage.end));
				g.fillStyle = 'rgba(245, 158, 11, 0.12)';
				g.fillRect(oa, area.top, Math.max(0, ob - oa), area.bottom - area.top);
			}
			g.fillStyle = 'rgba(239, 68, 68, 0.12)';
			g.fillRect(a, area.top, Math.max(0, b - a), area.bottom - area.top);
			g.restore();
		}
	};
	const chart = new Chart(canvas, {
		type: 'line',
		data: {
			datasets: input.series.map((s, i) => ({
				label: s.name,
				data: s.points.map(([x, y]) => ({ x, y })),
				borderColor: COLORS[i % COLORS.length],
				backgroundColor: COLORS[i % COLORS.length],
				pointRadius: 0,
				borderWidth: 1.5,
				spanGaps: false
			}))
		},
		options: {
			animation: false,
			responsive: true,
			maintainAspectRatio: false,
			parsing: false,
			scales: {
				x: {
					type: 'linear',
					min: input.from,
					max: input.to,
					ticks: { color: '#8b9bb4', callback: (v) => clock(Number(v)), maxTicksLimit: 8 },
					grid: { color: '#1f2a44' },
					title: { display: true, text: `time (${input.zone})`, color: '#8b9bb4' }
				},
				y: { type: 'linear', ticks: { color: '#8b9bb4' }, grid: { color: '#1f2a44' } }
			},
			plugins: { legend: { labels: { color: '#e6edf7', boxWidth: 12 } }, tooltip: { mode: 'nearest', intersect: false } }
		},
		plugins: [band]
	});
	return () => chart.destroy();
}
