// The model's prompt and generation speed on this machine, as the user gets it: seeded by a
// measurement at load (or a remembered one), then followed from the counters of real requests
// (a busy machine is slower, and the budgets derived from the speed follow it).
import type { GenerationCounters } from "../types";
import type { MeasuredSpeed } from "./machineTuning";

/** Samples smaller than this say more about overhead than speed. */
const MIN_PROMPT_SAMPLE_TOKENS = 16;
const MIN_GENERATION_SAMPLE_TOKENS = 3;
/** Weight of a new sample in the running estimate. */
const SMOOTHING = 0.3;
/** A change of more than this share since the last report is worth re-tuning for. */
const REPORT_CHANGE = 0.15;

export class SpeedEstimate {
    private prompt: number | undefined;
    private generation: number | undefined;
    private reported: MeasuredSpeed | undefined;

    constructor(seed?: Partial<MeasuredSpeed>) {
        if (seed?.promptTokensPerS && seed.promptTokensPerS > 0) this.prompt = seed.promptTokensPerS;
        if (seed?.generatedTokensPerS && seed.generatedTokensPerS > 0) this.generation = seed.generatedTokensPerS;
    }

    /** Both speeds, once known. */
    get current(): MeasuredSpeed | undefined {
        if (this.prompt === undefined || this.generation === undefined) return undefined;
        return { promptTokensPerS: round(this.prompt), generatedTokensPerS: round(this.generation) };
    }

    /** Takes a seed (a measurement at load) as the new estimate. */
    reset(seed: Partial<MeasuredSpeed>): void {
        if (seed.promptTokensPerS && seed.promptTokensPerS > 0) this.prompt = seed.promptTokensPerS;
        if (seed.generatedTokensPerS && seed.generatedTokensPerS > 0) this.generation = seed.generatedTokensPerS;
    }

    /**
     * Learns from one request's counters (prompt: evaluated tokens over the time to the first
     * token; generation: the tokens after the first over the generation time). True when the
     * estimate has moved enough since the last `true` to re-tune the settings.
     */
    record(counters: GenerationCounters): boolean {
        if (counters.evaluatedTokens >= MIN_PROMPT_SAMPLE_TOKENS && counters.prefillMs > 0) {
            this.prompt = blend(this.prompt, (counters.evaluatedTokens / counters.prefillMs) * 1000);
        }
        if (counters.generatedTokens >= MIN_GENERATION_SAMPLE_TOKENS && counters.generateMs > 0) {
            this.generation = blend(this.generation, ((counters.generatedTokens - 1) / counters.generateMs) * 1000);
        }
        const current = this.current;
        if (!current) return false;
        const last = this.reported;
        if (last && !movedMuch(last.promptTokensPerS, current.promptTokensPerS) && !movedMuch(last.generatedTokensPerS, current.generatedTokensPerS)) return false;
        this.reported = current;
        return true;
    }
}

function blend(previous: number | undefined, sample: number): number {
    return previous === undefined ? sample : previous * (1 - SMOOTHING) + sample * SMOOTHING;
}

function movedMuch(before: number, now: number): boolean {
    return Math.abs(now - before) > before * REPORT_CHANGE;
}

function round(value: number): number {
    return Number(value.toFixed(2));
}
