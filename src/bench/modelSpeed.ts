// This machine's prompt and generation speed for the loaded model, measured through the model host
// (the same path every completion takes): one prefill of a fresh prompt, then a short generation
// after it. Used for the real-time replay's physical floor and reported as phi2Shape.*.
import type { TextGenerator } from "../core/textGenerator";
import type { ModelSpeed } from "./realtimeReplay";

/** A sequence key no completion uses, so the measurement starts from an empty KV cache. */
const SPEED_SEQUENCE_KEY = "bench:speed";
/** The start of a standard-library file: a prompt of ~100 tokens, long enough to time, short enough not to delay the run. */
const SPEED_PROMPT_CHARACTERS = 360;
/** Tokens generated after it: enough for a rate, few enough to take a couple of seconds on a Phi-2-sized model. */
const SPEED_GENERATED_TOKENS = 12;

export interface ModelSpeedReport extends ModelSpeed {
    readonly promptTokens: number;
    readonly generatedTokens: number;
}

/** Measures on the start of `fileLines` (a source file's lines). */
export async function measureModelSpeed(generator: TextGenerator, fileLines: readonly string[]): Promise<ModelSpeedReport> {
    const prompt = fileLines.join("\n").slice(0, SPEED_PROMPT_CHARACTERS);
    const prefill = await generator.prefill({ sequenceKey: SPEED_SEQUENCE_KEY, prompt, priority: "foreground" });
    // The same prompt again: only its last token is evaluated, the rest is generation.
    const generation = await generator.generate({ sequenceKey: SPEED_SEQUENCE_KEY, prompt, maxTokens: SPEED_GENERATED_TOKENS, priority: "foreground" });
    const { evaluatedTokens, prefillMs } = prefill.counters;
    return {
        promptTokens: evaluatedTokens,
        generatedTokens: generation.counters.generatedTokens,
        promptTokensPerS: prefillMs > 0 ? Number(((evaluatedTokens / prefillMs) * 1000).toFixed(2)) : 0,
        generatedTokensPerS: generationRate(generation.counters),
    };
}

/** Tokens per second of one generation. The first token comes with the prompt's last one (inside the prefill time): the rest is generation. */
export function generationRate(counters: { readonly generatedTokens: number; readonly generateMs: number }): number {
    const { generatedTokens, generateMs } = counters;
    return generateMs > 0 && generatedTokens > 1 ? Number((((generatedTokens - 1) / generateMs) * 1000).toFixed(2)) : 0;
}
