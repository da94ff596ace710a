// One generation in flight for one document, shared by every request it can serve.
//
// VS Code cancels the previous request on each keystroke. If the user typed exactly what is being
// generated, the running generation is still right: the next request attaches to it instead of
// starting over. A generation nobody waits for is aborted after a short grace period, and a
// request it cannot serve aborts it at once (single flight per document: the newer one wins).
import type { GenerationResult } from "../types";
import type { TextGenerator } from "../textGenerator";
import type { CompletionMode } from "./completionMode";
import { PHI2_STOP_STRINGS } from "./phi2Prompt";
import type { Timers } from "./scheduler";
import { StreamingStopRules } from "./stopRules";
import type { StopCut, StopRuleContext } from "./stopRules";
import { typedAheadRemainder } from "./suggestionCache";

export interface GenerationFlightParams {
    readonly uri: string;
    readonly prompt: string;
    readonly mode: CompletionMode;
    readonly stopContext: StopRuleContext;
    readonly maxTokens: number;
    readonly timeCapMs: number;
    /** How long a generation nobody waits for keeps running before it is aborted. */
    readonly abandonGraceMs: number;
    /** Sampled instead of greedy (alternatives); the seed makes it repeatable. */
    readonly sampling?: { readonly temperature: number; readonly seed: number };
}

export interface FlightResult {
    /** The generated text after the stop rules. */
    readonly text: string;
    readonly cut: StopCut | undefined;
    readonly result: GenerationResult;
}

export class GenerationFlight {
    readonly done: Promise<FlightResult>;
    private readonly controller = new AbortController();
    private readonly stopRules: StreamingStopRules;
    private receivedLength = 0;
    private waiters = 0;
    private graceHandle: unknown;
    private settled = false;

    constructor(generator: TextGenerator, readonly params: GenerationFlightParams, private readonly timers: Timers) {
        this.stopRules = new StreamingStopRules(params.stopContext);
        this.done = generator.generate({
            sequenceKey: params.uri,
            prompt: params.prompt,
            maxTokens: params.maxTokens,
            timeCapMs: params.timeCapMs,
            stopStrings: PHI2_STOP_STRINGS,
            priority: "foreground",
            ...(params.sampling ? { temperature: params.sampling.temperature, seed: params.sampling.seed } : {}),
            signal: this.controller.signal,
            onText: (chunk) => {
                this.receivedLength += chunk.length;
                return this.stopRules.push(chunk);
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
        });
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
        const typed = prompt.slice(this.params.prompt.length);
        if (typed.length === 0) return true;
        const soFar = this.stopRules.text;
        if (this.settled || this.stopRules.stopped) return typedAheadRemainder(this.params.prompt, soFar, prompt) !== undefined;
        return typed.length < soFar.length ? soFar.startsWith(typed) : typed.startsWith(soFar);
    }

    /** Waits for the result; "cancelled" when `signal` aborts first (the generation may go on for others). */
    attach(signal: AbortSignal): Promise<FlightResult | "cancelled"> {
        if (signal.aborted) return Promise.resolve("cancelled");
        this.waiters++;
        this.clearGrace();
        return new Promise<FlightResult | "cancelled">((resolve, reject) => {
            let attached = true;
            const release = (): boolean => {
                if (!attached) return false;
                attached = false;
                signal.removeEventListener("abort", onAbort);
                return true;
            };
            const onAbort = (): void => {
                if (!release()) return;
                this.detach();
                resolve("cancelled");
            };
            signal.addEventListener("abort", onAbort, { once: true });
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

    private detach(): void {
        this.waiters--;
        if (this.waiters > 0 || this.settled) return;
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
