// This machine's prompt and generation speed for the loaded model, measured through the model host
// (the same path every completion takes): one prefill of a fresh prompt, then a short generation
// after it. Used for the real-time replay's physical floor and reported as phi2Shape.*.
import type { TextGenerator } from "../core/textGenerator";
import type { ModelSpeed } from "./realtimeReplay";

/** A sequence key no completion uses, so the measurement starts from an empty KV cache. */
const SPEED_SEQUENCE_KEY = "bench:speed";

export interface ModelSpeedReport extends ModelSpeed {
    readonly promptTokens: number;
    readonly generatedTokens: number;
}

export async function measureModelSpeed(generator: TextGenerator, prompt: string, generateTokens: number): Promise<ModelSpeedReport> {
    const prefill = await generator.prefill({ sequenceKey: SPEED_SEQUENCE_KEY, prompt, priority: "foreground" });
    // The same prompt again: only its last token is evaluated, the rest is generation.
    const generation = await generator.generate({ sequenceKey: SPEED_SEQUENCE_KEY, prompt, maxTokens: generateTokens, priority: "foreground" });
    const { evaluatedTokens, prefillMs } = prefill.counters;
    const { generatedTokens, generateMs } = generation.counters;
    return {
        promptTokens: evaluatedTokens,
        generatedTokens,
        promptTokensPerS: prefillMs > 0 ? Number(((evaluatedTokens / prefillMs) * 1000).toFixed(2)) : 0,
        // The first token comes with the prompt's last one (inside the prefill time): the rest is generation.
        generatedTokensPerS: generateMs > 0 && generatedTokens > 1 ? Number((((generatedTokens - 1) / generateMs) * 1000).toFixed(2)) : 0,
    };
}
