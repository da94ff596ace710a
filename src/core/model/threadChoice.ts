// The CPU thread count for generation, picked by measurement rather than a formula: on a 2-core
// machine Phi-2 generates ~5 tokens/s with 1 thread and ~2 with 2 (the threads fight each other
// and the editor for the cores), on other machines more threads win. A short generation with each
// candidate count decides; the result is remembered per CPU and model so it is measured once.

export interface ThreadMeasurement {
    readonly threads: number;
    readonly generatedTokensPerS: number;
    /** The probe's short prompt evaluated in one batch (a first estimate; longer prompts batch better). */
    readonly promptTokensPerS?: number;
}

/**
 * Counts worth trying on a machine with `cores` logical cores: 1 and 2 on two cores; otherwise
 * half the cores, all but one, and all (generation is bound by memory bandwidth long before all
 * cores are busy, so fewer threads often win).
 */
export function threadCandidates(cores: number): number[] {
    const whole = Math.max(1, Math.floor(cores));
    if (whole <= 2) return whole === 1 ? [1] : [1, 2];
    return [...new Set([Math.ceil(whole / 2), whole - 1, whole])];
}

/** Within this share of the best speed, the smaller count wins (it leaves the editor more CPU). */
const SAME_SPEED_SHARE = 0.05;

/** The fastest count; near-ties go to fewer threads. Undefined without a usable measurement. */
export function fastestThreadCount(measurements: readonly ThreadMeasurement[]): number | undefined {
    const usable = measurements.filter((m) => m.generatedTokensPerS > 0 && Number.isFinite(m.generatedTokensPerS));
    if (usable.length === 0) return undefined;
    const best = Math.max(...usable.map((m) => m.generatedTokensPerS));
    return Math.min(...usable.filter((m) => m.generatedTokensPerS >= best * (1 - SAME_SPEED_SHARE)).map((m) => m.threads));
}

/** What a remembered measurement is valid for: the CPU, its core count and the model file. */
export function threadChoiceKey(cpuModel: string, cores: number, modelPath: string, modelBytes: number): string {
    return `${cpuModel.trim()}|${cores}|${modelPath}|${modelBytes}`;
}
