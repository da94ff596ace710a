// Wraps the model host client (the engine's TextGenerator) and records the host's exact counters of
// every generate and prefill call, including calls whose completion request was cancelled (the
// engine does not return counters for those). Also tells the replay when no model call is running,
// so simulated time can wait for real model work.
import type { GenerateOptions, PrefillOptions, PrefillResult, TextGenerator } from "../core/textGenerator";
import type { GenerationCounters, GenerationResult, StopReason } from "../core/types";

export interface CountedCall {
    readonly kind: "generate" | "prefill";
    /** The replay's place (typed function) the call belongs to. */
    readonly place: number;
    readonly sequenceKey: string;
    readonly counters: GenerationCounters;
    readonly stopReason?: StopReason;
    readonly completed?: boolean;
    /** When the call was made and, for a generate call, when its first text came (performance.now()). */
    readonly startedAt: number;
    readonly firstTextAt?: number;
    /** Wall-clock ms from the call to its answer, as the caller waits for it (IPC or HTTP included). */
    readonly wallMs: number;
}

/** A running generate call: reading its prompt until its first text arrives (wall-clock ms). */
export interface LivePhase {
    phase: "readingPrompt" | "generating";
    readonly startedAt: number;
    firstTextAt: number | undefined;
}

export class CountingGenerator implements TextGenerator {
    readonly calls: CountedCall[] = [];
    /** Tag for the calls that start from now on. */
    place = 0;
    /** Called with every generation's counters as it ends (the replay's speed estimate follows them, as the extension's does). */
    onCounters: ((counters: GenerationCounters) => void) | undefined;
    private running = 0;
    /** Per sequence key, the running generate call's phase (for the replay's missed-pause reasons). */
    private readonly phases = new Map<string, LivePhase>();
    private idleWaiters: (() => void)[] = [];

    constructor(private readonly inner: TextGenerator) {}

    get inFlight(): number {
        return this.running;
    }

    /** What the newest generate call running on one of these keys (a document's sequences) is doing now; undefined: none runs. */
    phaseOf(sequenceKeys: readonly string[]): LivePhase | undefined {
        let newest: LivePhase | undefined;
        for (const key of sequenceKeys) {
            const live = this.phases.get(key);
            if (live && (!newest || live.startedAt > newest.startedAt)) newest = live;
        }
        return newest;
    }

    /** When the newest generate call on one of these keys, running or else ended, started and wrote its first text. */
    latestGenerateTimes(sequenceKeys: readonly string[]): { readonly startedAt: number; readonly firstTextAt?: number } | undefined {
        const live = this.phaseOf(sequenceKeys);
        if (live) return live;
        for (let index = this.calls.length - 1; index >= 0; index--) {
            const call = this.calls[index]!;
            if (call.kind === "generate" && sequenceKeys.includes(call.sequenceKey)) return call;
        }
        return undefined;
    }

    generate(options: GenerateOptions): Promise<GenerationResult> {
        const place = this.place;
        const startedAt = performance.now();
        const key = options.sequenceKey;
        const live: LivePhase = { phase: "readingPrompt", startedAt, firstTextAt: undefined };
        this.phases.set(key, live); // a newer call for the key replaces an older one still settling
        const onText = options.onText;
        const traced: GenerateOptions = {
            ...options,
            onText: (chunk) => {
                live.phase = "generating";
                live.firstTextAt ??= performance.now();
                return onText ? onText(chunk) : true;
            },
        };
        const settled = (): void => {
            if (this.phases.get(key) === live) this.phases.delete(key);
        };
        const call = this.inner.generate(traced);
        call.then(settled, settled);
        return this.track(call.then((result) => {
            this.calls.push({ kind: "generate", place, sequenceKey: options.sequenceKey, counters: result.counters, stopReason: result.stopReason, startedAt, firstTextAt: live.firstTextAt, wallMs: performance.now() - startedAt });
            this.onCounters?.(result.counters);
            return result;
        }));
    }

    prefill(options: PrefillOptions): Promise<PrefillResult> {
        const place = this.place;
        const startedAt = performance.now();
        return this.track(this.inner.prefill(options).then((result) => {
            // Not for the speed estimate, as in the extension (ModelManager.prefill: its time includes waits).
            this.calls.push({ kind: "prefill", place, sequenceKey: options.sequenceKey, counters: result.counters, completed: result.completed, startedAt, wallMs: performance.now() - startedAt });
            return result;
        }));
    }

    /** Resolves when no call is running. */
    whenIdle(): Promise<void> {
        if (this.running === 0) return Promise.resolve();
        return new Promise((resolve) => this.idleWaiters.push(resolve));
    }

    private track<T>(promise: Promise<T>): Promise<T> {
        this.running++;
        const settle = (): void => {
            this.running--;
            if (this.running === 0) {
                const waiters = this.idleWaiters;
                this.idleWaiters = [];
                for (const wake of waiters) wake();
            }
        };
        promise.then(settle, settle);
        return promise;
    }
}
