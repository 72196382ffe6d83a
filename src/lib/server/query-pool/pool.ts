/**
 * The query pool: the HTTP API's PromQL queries are evaluated and written as JSON off the event
 * loop that collects samples, evaluates rules and answers /healthz, in worker threads that each
 * hold their own Redis connection and store. The pool keeps Prometheus' limits:
 *
 * - `maxConcurrent` queries run at once (spread over the workers, least busy first); up to
 *   `maxQueued` more wait in order; beyond that a query is refused at once (503, `unavailable`);
 * - every query has a deadline (`query.timeout`, shortened by the request's `timeout`), counted
 *   from its arrival, so waiting counts; past it a waiting query is answered `query timed out in
 *   query queue`, and a running one stops itself at its next check (503). A worker that has not
 *   answered `graceMs` after a deadline (stuck in one long step) is terminated and replaced; the
 *   other queries it was running start again on another worker;
 * - a query whose client went away is stopped (a flag in shared memory, checked between read
 *   batches and evaluation steps) or, if waiting, dropped;
 * - a worker that dies (out of memory, a crash) is replaced, and its queries are answered with
 *   the error.
 *
 * With `workers: 0` the same jobs run on the main thread (in-process), under the same limits; a
 * deadline can then only be kept at the evaluation's own checks.
 */
import { Worker, type ResourceLimits } from 'node:worker_threads';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { Logger } from '../log';
import { encodedAnswer, runQueryJob, type EncodedAnswer, type QueryJob, ApiError, isApiError, canceled, queryTimeout, timedOut, type QueryTimeout, type QueryDeps } from '../prom-api';
import type { QueryLimits } from '../promql';
import { CANCEL, type QueryRequest, type WorkerReply, type WorkerSetup } from './protocol';

export interface QueryPoolSettings extends QueryLimits {
	/** Queries evaluated at once. */
	maxConcurrent: number;
	/** Queries that may wait for a turn; more are refused. */
	maxQueued: number;
	/** Worker threads; 0 evaluates queries on the main thread. */
	workers: number;
}

export interface QueryPoolOptions {
	settings: QueryPoolSettings;
	/** The worker script (dist/query-worker.js) and how it reaches the store; needed when `workers` > 0. */
	worker?: { file: string | URL; setup: Omit<WorkerSetup, 'name'>; resourceLimits?: ResourceLimits };
	/** The store, for in-process evaluation (`workers: 0`). */
	inline?: Pick<QueryDeps, 'store' | 'retention'>;
	log?: Logger;
	registry?: Registry;
	/**
	 * How long a worker may go on past a query's deadline, or its cancel, before it is terminated.
	 * @defaultValue 5000
	 */
	graceMs?: number;
}

/** What the routes use (through getContext().queries). */
export interface QueryRunner {
	readonly limits: QueryLimits;
	/** Evaluates a job and writes its answer; rejects with an ApiError. `signal`: the client went away. */
	run(job: QueryJob, signal?: AbortSignal): Promise<EncodedAnswer>;
}

interface Task {
	id: number;
	job: QueryJob;
	timeout: QueryTimeout;
	/** Epoch ms: when it arrived (its "now") and when its time runs out. */
	now: number;
	deadline: number;
	stop: Int32Array;
	state: 'queued' | 'running' | 'done';
	slot?: Slot;
	/** Starts so far (a query whose worker was terminated for another's sake starts again, once). */
	starts: number;
	deadlineTimer?: NodeJS.Timeout;
	killTimer?: NodeJS.Timeout;
	resolve(answer: EncodedAnswer): void;
	reject(err: Error): void;
	detach?: () => void;
}

interface Slot {
	index: number;
	worker: Worker;
	tasks: Map<number, Task>;
	bornAt: number;
	/** Terminated by the pool (not a crash). */
	retired: boolean;
	answered: boolean;
	error?: Error;
}

/** A worker that dies this soon after it started, without answering, counts as failing to start. */
const EARLY_EXIT_MS = 5000;

export class QueryPool implements QueryRunner {
	readonly limits: QueryLimits;
	private readonly settings: QueryPoolSettings;
	private readonly queue: Task[] = [];
	private readonly slots: Slot[] = [];
	/** Queries being evaluated, in workers or in-process. */
	private readonly active = new Set<Task>();
	private nextId = 1;
	private closed = false;
	private earlyExits = 0;
	private readonly respawns = new Set<NodeJS.Timeout>();
	private readonly graceMs: number;
	private readonly metrics?: {
		running: Gauge;
		queued: Gauge;
		outcomes: Counter<'outcome'>;
		replaced: Counter<'reason'>;
	};

	constructor(private readonly options: QueryPoolOptions) {
		this.settings = options.settings;
		this.limits = { maxSamples: options.settings.maxSamples, timeoutMs: options.settings.timeoutMs };
		this.graceMs = options.graceMs ?? 5000;
		if (this.settings.workers > 0 && !options.worker) throw new Error('the query pool needs a worker script when query.workers is above 0');
		if (this.settings.workers === 0 && !options.inline) throw new Error('the query pool needs a store to evaluate in-process (query.workers: 0)');
		if (options.registry) {
			const registers = [options.registry];
			this.metrics = {
				running: new Gauge({ name: 'vigil_queries_running', help: 'PromQL queries of the HTTP API being evaluated.', registers }),
				queued: new Gauge({ name: 'vigil_queries_queued', help: 'PromQL queries waiting for a turn (query.maxConcurrent).', registers }),
				outcomes: new Counter({
					name: 'vigil_queries_total',
					help: 'PromQL queries of the HTTP API by outcome: success, an error type (execution, timeout, canceled, bad_data, internal), or refused (query.maxQueued).',
					labelNames: ['outcome'],
					registers
				}),
				replaced: new Counter({
					name: 'vigil_query_workers_replaced_total',
					help: 'Query worker threads replaced, by reason: timeout or canceled (terminated), crash.',
					labelNames: ['reason'],
					registers
				})
			};
		}
		for (let i = 0; i < this.settings.workers; i++) this.spawn(i);
	}

	/** Queries running and waiting, and live workers. */
	stats(): { running: number; queued: number; workers: number } {
		return { running: this.active.size, queued: this.queue.length, workers: this.slots.length };
	}

	run(job: QueryJob, signal?: AbortSignal): Promise<EncodedAnswer> {
		if (this.closed) return Promise.reject(new ApiError('unavailable', 'Vigil is stopping; ask again in a moment'));
		if (signal?.aborted) return Promise.reject(canceled('query queue'));
		const { maxConcurrent, maxQueued } = this.settings;
		if (this.active.size >= maxConcurrent && this.queue.length >= maxQueued) {
			this.metrics?.outcomes.inc({ outcome: 'refused' });
			return Promise.reject(
				new ApiError('unavailable', `too many queries at once: ${this.active.size} running (query.maxConcurrent is ${maxConcurrent}) and ${this.queue.length} waiting (query.maxQueued is ${maxQueued}); try again later`)
			);
		}
		return new Promise<EncodedAnswer>((resolve, reject) => {
			const timeout = queryTimeout(this.limits, job.timeoutMs);
			const now = Date.now();
			const task: Task = {
				id: this.nextId++,
				job,
				timeout,
				now,
				deadline: now + timeout.ms,
				stop: new Int32Array(new SharedArrayBuffer(4)),
				state: 'queued',
				starts: 0,
				resolve,
				reject
			};
			task.deadlineTimer = setTimeout(() => this.onDeadline(task), timeout.ms);
			if (signal) {
				const onAbort = () => this.onAbort(task);
				signal.addEventListener('abort', onAbort, { once: true });
				task.detach = () => signal.removeEventListener('abort', onAbort);
			}
			this.queue.push(task);
			this.pump();
		});
	}

	/** Refuses new queries, answers the waiting and running ones, and stops the workers. */
	async close(): Promise<void> {
		if (this.closed) return;
		this.closed = true;
		for (const t of this.respawns) clearTimeout(t);
		const stopping = new ApiError('unavailable', 'Vigil is stopping; ask again in a moment');
		for (const task of [...this.queue, ...this.active]) this.finish(task, stopping);
		const slots = this.slots.splice(0);
		await Promise.all(
			slots.map((s) => {
				s.retired = true;
				return s.worker.terminate();
			})
		);
	}

	// ---- scheduling --------------------------------------------------------------------------

	private pump(): void {
		if (this.closed) return;
		while (this.queue.length && this.active.size < this.settings.maxConcurrent) {
			if (this.settings.workers === 0) {
				this.startInline(this.queue.shift()!);
				continue;
			}
			let slot: Slot | undefined;
			for (const s of this.slots) if (!s.retired && (!slot || s.tasks.size < slot.tasks.size)) slot = s;
			if (!slot) break;
			this.startOn(slot, this.queue.shift()!);
		}
		this.gauges();
	}

	private gauges(): void {
		this.metrics?.running.set(this.active.size);
		this.metrics?.queued.set(this.queue.length);
	}

	private startOn(slot: Slot, task: Task): void {
		task.state = 'running';
		task.slot = slot;
		task.starts++;
		slot.tasks.set(task.id, task);
		this.active.add(task);
		const req: QueryRequest = { type: 'query', id: task.id, job: task.job, limits: this.limits, timeout: task.timeout, now: task.now, deadline: task.deadline, stop: task.stop.buffer as SharedArrayBuffer };
		slot.worker.postMessage(req);
	}

	private startInline(task: Task): void {
		task.state = 'running';
		task.starts++;
		this.active.add(task);
		const deps = this.options.inline!;
		const deadline = performance.now() + (task.deadline - Date.now());
		// A turn of the event loop first, so a burst of queries is admitted (or refused) before any runs.
		setImmediate(() => {
			if (task.state !== 'running') return;
			runQueryJob({ store: deps.store, retention: deps.retention, now: task.now, limits: this.limits }, task.job, {
				deadline,
				timeout: task.timeout,
				interrupt: (phase) => {
					if (Atomics.load(task.stop, 0) === CANCEL) throw canceled(phase);
				}
			}).then(
				(chunks) => this.finish(task, encodedAnswer(chunks)),
				(err: unknown) => this.finish(task, isApiError(err) ? err : new ApiError('internal', (err as Error)?.message ?? String(err)))
			);
		});
	}

	/** Answers a task once: with its answer or its error. */
	private finish(task: Task, outcome: EncodedAnswer | Error): void {
		if (task.state === 'done') return;
		if (task.state === 'queued') {
			const at = this.queue.indexOf(task);
			if (at >= 0) this.queue.splice(at, 1);
		}
		task.state = 'done';
		clearTimeout(task.deadlineTimer);
		clearTimeout(task.killTimer);
		task.detach?.();
		task.slot?.tasks.delete(task.id);
		this.active.delete(task);
		if (outcome instanceof Error) {
			this.metrics?.outcomes.inc({ outcome: isApiError(outcome) ? outcome.type : 'internal' });
			task.reject(outcome);
		} else {
			this.metrics?.outcomes.inc({ outcome: 'success' });
			task.resolve(outcome);
		}
		this.pump();
	}

	private onDeadline(task: Task): void {
		if (task.state === 'queued') return this.finish(task, timedOut('query queue', task.timeout));
		// Running: it stops itself at its next check; a worker that does not is terminated.
		if (task.state === 'running' && task.slot) this.armKill(task, 'timeout', timedOut('query execution', task.timeout));
	}

	private onAbort(task: Task): void {
		if (task.state === 'queued') return this.finish(task, canceled('query queue'));
		if (task.state !== 'running') return;
		Atomics.store(task.stop, 0, CANCEL);
		if (task.slot) this.armKill(task, 'canceled', canceled('query execution'));
	}

	private armKill(task: Task, reason: 'timeout' | 'canceled', error: ApiError): void {
		if (task.killTimer) return;
		task.killTimer = setTimeout(() => {
			if (task.state !== 'running' || !task.slot) return;
			this.options.log?.warn({ query: task.job.query, reason, graceMs: this.graceMs }, 'a query worker did not stop in time; terminating it');
			this.replace(task.slot, reason, task, error);
		}, this.graceMs);
	}

	// ---- workers -----------------------------------------------------------------------------

	private spawn(index: number): void {
		const w = this.options.worker!;
		const worker = new Worker(w.file, { workerData: { ...w.setup, name: `query-${index}` } satisfies WorkerSetup, resourceLimits: w.resourceLimits });
		worker.unref();
		const slot: Slot = { index, worker, tasks: new Map(), bornAt: Date.now(), retired: false, answered: false };
		worker.on('message', (msg: WorkerReply) => this.onReply(slot, msg));
		worker.on('error', (err: Error) => {
			slot.error = err;
		});
		worker.on('exit', (code) => this.onExit(slot, code));
		this.slots.push(slot);
		this.pump();
	}

	private onReply(slot: Slot, msg: WorkerReply): void {
		slot.answered = true;
		this.earlyExits = 0;
		const task = slot.tasks.get(msg.id);
		if (!task) return;
		if (msg.type === 'answer') this.finish(task, encodedAnswer(msg.chunks));
		else this.finish(task, new ApiError(msg.errorType, msg.message));
	}

	/** A worker that exited without the pool asking: its queries fail with its error, and another takes its place. */
	private onExit(slot: Slot, code: number): void {
		if (slot.retired) return;
		slot.retired = true;
		this.remove(slot);
		const err = slot.error;
		const outOfMemory = (err as { code?: string } | undefined)?.code === 'ERR_WORKER_OUT_OF_MEMORY';
		const error = outOfMemory
			? new ApiError('execution', `the query worker ran out of memory (${err!.message}); lower query.maxSamples, or ask for fewer series or a shorter range`)
			: new ApiError('internal', `the query worker stopped (${err?.message ?? `exit code ${code}`}); it has been replaced`);
		this.options.log?.error({ worker: slot.index, err: err?.message, code, queries: slot.tasks.size }, 'a query worker stopped; replacing it');
		this.metrics?.replaced.inc({ reason: 'crash' });
		for (const task of [...slot.tasks.values()]) this.finish(task, error);
		if (this.closed) return;
		const early = !slot.answered && Date.now() - slot.bornAt < EARLY_EXIT_MS;
		this.earlyExits = early ? this.earlyExits + 1 : 0;
		if (this.earlyExits === 0) return this.spawn(slot.index);
		// A worker that cannot even start (a broken build, no memory) is retried with backoff.
		const delay = Math.min(30_000, 500 * 2 ** Math.min(this.earlyExits, 6));
		const timer = setTimeout(() => {
			this.respawns.delete(timer);
			if (!this.closed) this.spawn(slot.index);
		}, delay);
		this.respawns.add(timer);
	}

	/**
	 * Terminates a worker for one query's sake: that query gets `error`, and so does any other it ran
	 * that is past its deadline too (which of them was stuck cannot be told); the others start again
	 * elsewhere (once). A new worker takes its place.
	 */
	private replace(slot: Slot, reason: 'timeout' | 'canceled', culprit: Task, error: ApiError): void {
		slot.retired = true;
		this.remove(slot);
		this.metrics?.replaced.inc({ reason });
		void slot.worker.terminate();
		this.finish(culprit, error);
		for (const task of [...slot.tasks.values()]) {
			if (Atomics.load(task.stop, 0) === CANCEL) this.finish(task, canceled('query execution'));
			else if (Date.now() >= task.deadline) this.finish(task, timedOut('query execution', task.timeout));
			else if (task.starts >= 2) this.finish(task, new ApiError('internal', 'the query worker was restarted twice while running this query; ask again'));
			else {
				slot.tasks.delete(task.id);
				this.active.delete(task);
				clearTimeout(task.killTimer);
				Object.assign(task, { state: 'queued', slot: undefined, killTimer: undefined });
				this.queue.unshift(task);
			}
		}
		if (!this.closed) this.spawn(slot.index);
		this.pump();
	}

	private remove(slot: Slot): void {
		const at = this.slots.indexOf(slot);
		if (at >= 0) this.slots.splice(at, 1);
	}
}
