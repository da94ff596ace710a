// The one port through which the core talks to a model. The extension and CLI implement it with
// ModelHostClient (a child process); unit tests implement it with small fakes.
import type { GenerationCounters, GenerationResult } from "./types";

export type RequestPriority = "foreground" | "background";

/** How far the evaluation of a prompt's new tokens (those not already in the KV cache) got. */
export interface PrefillProgress {
    readonly evaluatedTokens: number;
    readonly tokensToEvaluate: number;
}

export interface GenerateOptions {
    /**
     * Which KV-cache slot to use. Requests on the same key reuse the longest common token prefix
     * of the previous request on that key (e.g. one key per document, one for explanations).
     */
    readonly sequenceKey: string;
    readonly prompt: string;
    readonly maxTokens: number;
    /**
     * Stop generating after this many ms of generation (counted from the first generated token:
     * prompt evaluation is never cut) and return what is ready (never an empty timeout).
     */
    readonly timeCapMs?: number;
    /** 0 (default) is greedy decoding. */
    readonly temperature?: number;
    /** Sampling seed (with a temperature above 0): the same seed gives the same text. */
    readonly seed?: number;
    /** Strings that end generation in the host (exact text; the stop string itself is not returned). */
    readonly stopStrings?: readonly string[];
    readonly priority?: RequestPriority;
    /** Aborting resolves the promise with stopReason "cancelled" and the partial text. */
    readonly signal?: AbortSignal;
    /**
     * Streamed exact text as tokens are generated. Returning `false` stops the generation
     * (stopReason "stopRule"): the core's stop rules use this.
     */
    readonly onText?: (chunk: string) => boolean | void;
    /** Called while a prompt longer than one evaluation chunk is evaluated (the status bar shows it). */
    readonly onPrefillProgress?: (progress: PrefillProgress) => void;
    /**
     * Called when this request's key was given the KV cache (sequence, slot) of another key,
     * before anything is evaluated: `evictedKey`'s prompt is no longer cached (more documents than
     * sequences). The engine's idea of what is cached follows it.
     */
    readonly onKeyEvicted?: (evictedKey: string) => void;
}

export interface PrefillOptions {
    readonly sequenceKey: string;
    readonly prompt: string;
    readonly priority?: RequestPriority;
    readonly signal?: AbortSignal;
    /** Called while a prompt longer than one evaluation chunk is evaluated (the status bar shows it). */
    readonly onPrefillProgress?: (progress: PrefillProgress) => void;
    /**
     * Called when this request's key was given the KV cache (sequence, slot) of another key,
     * before anything is evaluated: `evictedKey`'s prompt is no longer cached (more documents than
     * sequences). The engine's idea of what is cached follows it.
     */
    readonly onKeyEvicted?: (evictedKey: string) => void;
}

export interface PrefillResult {
    /** True when the whole prompt is now in the KV cache; false when cancelled part-way. */
    readonly completed: boolean;
    readonly counters: GenerationCounters;
}

export interface TextGenerator {
    generate(options: GenerateOptions): Promise<GenerationResult>;
    /** Evaluate a prompt into the sequence's KV cache without generating (background warm-up). */
    prefill(options: PrefillOptions): Promise<PrefillResult>;
    /**
     * A generator shared by several users (completions and explanations) reports every request's
     * evictions here, also those of the requests of others (onKeyEvicted hears only its own).
     */
    readonly onDidEvictKey?: (listener: (evictedKey: string) => void) => { dispose(): void };
}
