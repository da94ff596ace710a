// How an explanation is decoded. The first one is greedy (Phi-2's most likely answer); Explain
// Again samples, with a fresh seed each time, so the user gets another wording or another angle
// instead of the identical text.
import type { ExplainJob } from "./explainPrompt";

export interface ExplainSampling {
    readonly temperature: number;
    /** The host's sampling seed: the same seed and prompt give the same text. */
    readonly seed: number;
}

/** Varied enough to read differently, low enough that a small model stays on topic. */
export const EXPLAIN_AGAIN_TEMPERATURE = 0.7;

/** Seeds fit llama.cpp's 32-bit unsigned seed. */
const SEED_RANGE = 2 ** 32;

/** The job to run for Explain Again: sampled, with a seed other than the previous run's. */
export function resampledJob(job: ExplainJob, previous: ExplainSampling | undefined, random: () => number = Math.random): ExplainJob {
    let seed = Math.floor(random() * SEED_RANGE);
    if (seed === previous?.seed) seed = (seed + 1) % SEED_RANGE;
    return { ...job, sampling: { temperature: EXPLAIN_AGAIN_TEMPERATURE, seed } };
}
