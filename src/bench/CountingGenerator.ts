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
    /** Wall-clock ms from the call to its answer, as the caller waits for it (IPC or HTTP included). */
    readonly wallMs: number;
}

export class CountingGenerator implements TextGenerator {
    readonly calls: CountedCall[] = [];
    /** Tag for the calls that start from now on. */
    place = 0;
    /** Called with every generation's counters as it ends (the replay's speed estimate follows them, as the extension's does). */
    onCounters: ((counters: GenerationCounters) => void) | undefined;
    private running = 0;
    private idleWaiters: (() => void)[] = [];

    constructor(private readonly inner: TextGenerator) {}

    get inFlight(): number {
        return this.running;
    }

    generate(options: GenerateOptions): Promise<GenerationResult> {
        const place = this.place;
        const startedAt = performance.now();
        return this.track(this.inner.generate(options).then((result) => {
            this.calls.push({ kind: "generate", place, sequenceKey: options.sequenceKey, counters: result.counters, stopReason: result.stopReason, wallMs: performance.now() - startedAt });
            this.onCounters?.(result.counters);
            return result;
        }));
    }

    prefill(options: PrefillOptions): Promise<PrefillResult> {
        const place = this.place;
        const startedAt = performance.now();
        return this.track(this.inner.prefill(options).then((result) => {
            // Not for the speed estimate, as in the extension (ModelManager.prefill: its time includes waits).
            this.calls.push({ kind: "prefill", place, sequenceKey: options.sequenceKey, counters: result.counters, completed: result.completed, wallMs: performance.now() - startedAt });
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
