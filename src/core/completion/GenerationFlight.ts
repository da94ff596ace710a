// One generation in flight for one document, shared by every request it can serve.
//
// VS Code cancels the previous request on each keystroke. If the user typed exactly what is being
// generated, the running generation is still right: the next request attaches to it instead of
// starting over. A generation nobody waits for is aborted after a short grace period, and a
// request it cannot serve aborts it at once (single flight per document: the newer one wins).
//
// First part first (firstPart.ts): a waiter that accepts a part gets the first complete line of a
// block, or what there is once the latency budget is spent, while the generation goes on; once a
// part has been shown the flight runs to its end without waiters, so the longer version is ready
// (in the cache) when the user looks again.
import type { GenerationResult } from "../types";
import type { TextGenerator } from "../textGenerator";
import type { CompletionMode } from "./completionMode";
import { completeFirstLine, shownPart } from "./firstPart";
import { PHI2_STOP_STRINGS } from "./phi2Prompt";
import type { Timers } from "./scheduler";
import { StreamingStopRules } from "./stopRules";
import type { StopCut, StopRuleContext } from "./stopRules";
import { typedAheadRemainder } from "./suggestionCache";

export interface GenerationFlightParams {
    readonly uri: string;
    /** The KV sequence to generate on (default: the document's, `uri`). */
    readonly sequenceKey?: string;
    readonly prompt: string;
    readonly mode: CompletionMode;
    readonly stopContext: StopRuleContext;
    readonly maxTokens: number;
    readonly timeCapMs: number;
    /** How long a generation nobody waits for keeps running before it is aborted. */
    readonly abandonGraceMs: number;
    /** Sampled instead of greedy (alternatives); the seed makes it repeatable. */
    readonly sampling?: { readonly temperature: number; readonly seed: number };
    /**
     * Show parts before the end (firstPart.ts): after `firstLineAfterMs` a multi-line suggestion's
     * first complete line, after `budgetMs` whatever there is. Absent: only the whole result.
     */
    readonly parts?: { readonly firstLineAfterMs: number; readonly budgetMs: number };
    /** The generation took the KV cache of another key (TextGenerator's onKeyEvicted). */
    readonly onKeyEvicted?: (evictedKey: string) => void;
}

/** The first part of a generation that goes on (see GenerationFlightParams.parts). */
export interface FlightPart {
    readonly kind: "part";
    /** The generated text after the stop rules, so far (a start of the final text). */
    readonly text: string;
}

export interface FlightResult {
    /** The generated text after the stop rules. */
    readonly text: string;
    readonly cut: StopCut | undefined;
    readonly result: GenerationResult;
}

export class GenerationFlight {
    readonly done: Promise<FlightResult>;
    /**
     * Resolves when the generated text's first line is complete while the generation goes on (never,
     * when it ends first): a part shown before, a start of that line, can then be shown whole.
     */
    readonly firstLineComplete: Promise<void>;
    private resolveFirstLine: (() => void) | undefined;
    private readonly controller = new AbortController();
    private readonly stopRules: StreamingStopRules;
    private receivedLength = 0;
    private waiters = 0;
    private graceHandle: unknown;
    private settled = false;
    private firstLineReady = false;
    private budgetSpent = false;
    /** A part was handed out: the flight then runs to its end even without waiters. */
    private partShown = false;
    private readonly partTimers: unknown[] = [];
    private readonly partWaiters = new Set<(part: FlightPart) => void>();
    /** Waiters that typed beyond the prompt, each told once the generation no longer agrees with what it typed. */
    private readonly divergenceWatchers = new Map<() => void, string>();

    constructor(generator: TextGenerator, readonly params: GenerationFlightParams, private readonly timers: Timers) {
        this.stopRules = new StreamingStopRules(params.stopContext);
        this.firstLineComplete = new Promise((resolve) => (this.resolveFirstLine = resolve));
        this.done = generator.generate({
            sequenceKey: params.sequenceKey ?? params.uri,
            prompt: params.prompt,
            maxTokens: params.maxTokens,
            timeCapMs: params.timeCapMs,
            stopStrings: PHI2_STOP_STRINGS,
            priority: "foreground",
            ...(params.sampling ? { temperature: params.sampling.temperature, seed: params.sampling.seed } : {}),
            signal: this.controller.signal,
            ...(params.onKeyEvicted ? { onKeyEvicted: params.onKeyEvicted } : {}),
            onText: (chunk) => {
                this.receivedLength += chunk.length;
                const goOn = this.stopRules.push(chunk);
                if (this.resolveFirstLine && this.firstLineDone) {
                    this.resolveFirstLine();
                    this.resolveFirstLine = undefined;
                }
                this.offerPart();
                this.checkDivergence();
                return goOn;
            },
        }).then((result) => {
            // A generator that did not stream (or streamed less) still gets the stop rules.
            if (!this.stopRules.stopped && result.text.length > this.receivedLength) {
                this.stopRules.push(result.text.slice(this.receivedLength));
            }
            this.stopRules.finish();
            return { text: this.stopRules.text, cut: this.stopRules.cut, result };
        }).finally(() => {
            this.settled = true;
            this.clearGrace();
            for (const handle of this.partTimers) timers.clearTimeout(handle);
            this.partWaiters.clear();
            this.divergenceWatchers.clear();
        });
        if (params.parts) {
            this.partTimers.push(
                timers.setTimeout(() => {
                    this.firstLineReady = true;
                    this.offerPart();
                }, params.parts.firstLineAfterMs),
                timers.setTimeout(() => {
                    this.budgetSpent = true;
                    this.offerPart();
                }, params.parts.budgetMs),
            );
        }
        // Waiters handle rejections; this keeps an abandoned flight's error from going unhandled.
        this.done.catch(() => undefined);
    }

    get prompt(): string {
        return this.params.prompt;
    }

    get aborted(): boolean {
        return this.controller.signal.aborted;
    }

    /**
     * Whether this generation can answer a request for `prompt`: the same prompt, or the prompt
     * plus characters that match what it has generated (or may still generate) so far.
     */
    canServe(prompt: string): boolean {
        if (this.aborted || !prompt.startsWith(this.params.prompt)) return false;
        return this.agreesWith(prompt.slice(this.params.prompt.length));
    }

    /** Whether what the user typed after this flight's prompt is what it generated, or may still generate. */
    private agreesWith(typed: string): boolean {
        if (typed.length === 0) return true;
        const soFar = this.stopRules.text;
        if (this.settled || this.stopRules.stopped) return typedAheadRemainder(this.params.prompt, soFar, this.params.prompt + typed) !== undefined;
        return typed.length < soFar.length ? soFar.startsWith(typed) : typed.startsWith(soFar);
    }

    /** Whether the generated text (after the stop rules) has a complete first line. */
    private get firstLineDone(): boolean {
        return completeFirstLine(this.stopRules.text) !== undefined;
    }

    /** Whether firstLineComplete is still to come (a stop rule may cut a line end off again: it came). */
    get firstLinePending(): boolean {
        return this.resolveFirstLine !== undefined && !this.firstLineDone;
    }

    /** Whether a part was handed out (the flight then finishes for the cache, without waiters). */
    get shownPart(): boolean {
        return this.partShown;
    }

    /**
     * Waits for the result; "cancelled" when `signal` aborts first (the generation may go on for
     * others). With `acceptPart`, a first part (FlightPart) as soon as one may be shown. With
     * `typed` (the waiter's prompt is this flight's plus what the user typed since it started):
     * "diverged" as soon as the generation writes something else. On a CPU a flight lives for
     * seconds: a request that bet on it must not wait out a generation that can no longer serve it.
     */
    attach(signal: AbortSignal): Promise<FlightResult | "cancelled">;
    attach(signal: AbortSignal, options: { readonly acceptPart: boolean; readonly typed?: undefined }): Promise<FlightResult | FlightPart | "cancelled">;
    attach(signal: AbortSignal, options: { readonly acceptPart: true; readonly typed: string }): Promise<FlightResult | FlightPart | "cancelled" | "diverged">;
    attach(signal: AbortSignal, options: { readonly acceptPart: false; readonly typed: string }): Promise<FlightResult | "cancelled" | "diverged">;
    attach(signal: AbortSignal, options: { readonly acceptPart?: boolean; readonly typed?: string } = {}): Promise<FlightResult | FlightPart | "cancelled" | "diverged"> {
        const { acceptPart = false, typed = "" } = options;
        if (signal.aborted) return Promise.resolve("cancelled");
        if (typed.length > 0 && !this.agreesWith(typed)) return Promise.resolve("diverged");
        const ready = acceptPart ? this.currentPart() : undefined;
        if (ready) {
            this.partShown = true;
            return Promise.resolve(ready);
        }
        this.waiters++;
        this.clearGrace();
        return new Promise<FlightResult | FlightPart | "cancelled" | "diverged">((resolve, reject) => {
            let attached = true;
            const release = (): boolean => {
                if (!attached) return false;
                attached = false;
                signal.removeEventListener("abort", onAbort);
                this.partWaiters.delete(onPart);
                this.divergenceWatchers.delete(onDiverged);
                return true;
            };
            const onDiverged = (): void => {
                if (!release()) return;
                this.detach();
                resolve("diverged");
            };
            const onPart = (part: FlightPart): void => {
                if (!release()) return;
                this.waiters--;
                this.partShown = true;
                resolve(part);
            };
            const onAbort = (): void => {
                if (!release()) return;
                this.detach();
                resolve("cancelled");
            };
            signal.addEventListener("abort", onAbort, { once: true });
            if (acceptPart) this.partWaiters.add(onPart);
            if (typed.length > 0) this.divergenceWatchers.set(onDiverged, typed);
            this.done.then(
                (result) => {
                    if (!release()) return;
                    this.waiters--;
                    resolve(result);
                },
                (error: unknown) => {
                    if (!release()) return;
                    this.waiters--;
                    reject(error);
                },
            );
        });
    }

    abort(): void {
        this.clearGrace();
        this.controller.abort();
    }

    /** The part that may be shown now (undefined before one is ready, or once the result is there). */
    private currentPart(): FlightPart | undefined {
        if (!this.params.parts || this.settled || this.aborted) return undefined;
        const text = shownPart(this.stopRules.text, this.params.mode, this.firstLineReady, this.budgetSpent);
        return text === undefined ? undefined : { kind: "part", text };
    }

    private checkDivergence(): void {
        for (const [onDiverged, typed] of [...this.divergenceWatchers]) {
            if (!this.agreesWith(typed)) onDiverged();
        }
    }

    private offerPart(): void {
        if (this.partWaiters.size === 0) return;
        const part = this.currentPart();
        if (!part) return;
        for (const waiter of [...this.partWaiters]) waiter(part);
    }

    private detach(): void {
        this.waiters--;
        if (this.waiters > 0 || this.settled || this.partShown) return;
        if (this.params.abandonGraceMs <= 0) {
            this.abort();
            return;
        }
        this.graceHandle = this.timers.setTimeout(() => {
            this.graceHandle = undefined;
            if (this.waiters === 0) this.abort();
        }, this.params.abandonGraceMs);
    }

    private clearGrace(): void {
        if (this.graceHandle !== undefined) {
            this.timers.clearTimeout(this.graceHandle);
            this.graceHandle = undefined;
        }
    }
}
