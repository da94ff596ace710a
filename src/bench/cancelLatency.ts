// Cancel latency through the model host: from aborting a request to its promise settling (the
// host has stopped working on it and answered). During a long prompt evaluation (a generate
// request still in its prompt, and a background prefill) and during generation. The figures are
// compared with the time of one prefill chunk and of one generated token on the same model.
import type { TextGenerator } from "../core/textGenerator";
import { distributionOf } from "./percentiles";
import type { Distribution } from "./percentiles";
import type { SeededRandom } from "./seededRandom";

export interface CancelOptions {
    readonly generator: TextGenerator;
    /** Prompts of about the same length, each starting differently (so each is evaluated from scratch). */
    readonly longPrompts: readonly string[];
    readonly shortPrompt: string;
    readonly trials: number;
    readonly chunkTokens: number;
    readonly random: SeededRandom;
}

export interface CancelReport {
    readonly prefill: Distribution & {
        /** Measured ms of one prefill chunk on this model (the target). */
        readonly chunkMs: number;
        readonly chunkTokens: number;
        readonly promptTokens: number;
        /** Trials where the abort came after the evaluation had finished (not counted). */
        readonly missedTrials: number;
        readonly generateRequestP95: number;
        readonly backgroundPrefillP95: number;
    };
    readonly generation: Distribution & {
        /** Measured ms per generated token on this model (the target). */
        readonly tokenMs: number;
        readonly missedTrials: number;
    };
}

const CANCEL_SEQUENCE = "bench://cancel";
const GENERATION_SEQUENCE = "bench://cancel-generation";

function sleep(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, ms));
}

export async function measureCancelLatency(options: CancelOptions): Promise<CancelReport> {
    const { generator, longPrompts, random } = options;
    if (longPrompts.length < 2) throw new Error("measureCancelLatency needs at least two long prompts.");
    // Calibration: one full evaluation gives the time of a chunk on this model and machine.
    const calibration = await generator.prefill({ sequenceKey: CANCEL_SEQUENCE, prompt: longPrompts[0]!, priority: "foreground" });
    const promptTokens = calibration.counters.evaluatedTokens;
    const chunks = Math.max(1, Math.ceil(promptTokens / options.chunkTokens));
    const fullMs = calibration.counters.prefillMs;
    const chunkMs = fullMs / chunks;

    const duringGenerate: number[] = [];
    const duringBackground: number[] = [];
    let missedPrefill = 0;
    for (let trial = 0; trial < options.trials; trial++) {
        const prompt = longPrompts[1 + (trial % (longPrompts.length - 1))]!;
        const controller = new AbortController();
        const background = trial % 2 === 1;
        const started = background
            ? generator.prefill({ sequenceKey: CANCEL_SEQUENCE, prompt, priority: "background", signal: controller.signal }).then((result) => !result.completed)
            : generator.generate({ sequenceKey: CANCEL_SEQUENCE, prompt, maxTokens: 1, signal: controller.signal })
                .then((result) => result.stopReason === "cancelled" && result.counters.generatedTokens === 0);
        await sleep(fullMs * random.between(0.1, 0.5));
        const abortedAt = performance.now();
        controller.abort();
        const cancelledInPrefill = await started;
        const latency = performance.now() - abortedAt;
        if (!cancelledInPrefill) missedPrefill++;
        else (background ? duringBackground : duringGenerate).push(latency);
    }

    const duringGeneration: number[] = [];
    const tokenTimes: number[] = [];
    let missedGeneration = 0;
    for (let trial = 0; trial < options.trials; trial++) {
        const controller = new AbortController();
        let firstText: () => void = () => undefined;
        const firstTextSeen = new Promise<void>((resolve) => { firstText = resolve; });
        const running = generator.generate({
            sequenceKey: GENERATION_SEQUENCE,
            prompt: options.shortPrompt,
            maxTokens: 1500,
            signal: controller.signal,
            onText: () => firstText(),
        });
        await Promise.race([firstTextSeen, running]);
        await sleep(random.between(5, 60));
        const abortedAt = performance.now();
        controller.abort();
        const result = await running;
        const latency = performance.now() - abortedAt;
        if (result.counters.generatedTokens > 0) tokenTimes.push(result.counters.generateMs / result.counters.generatedTokens);
        if (result.stopReason === "cancelled" && result.counters.generatedTokens > 0) duringGeneration.push(latency);
        else missedGeneration++;
    }
    const tokenMs = distributionOf(tokenTimes).p50;
    return {
        prefill: {
            ...distributionOf([...duringGenerate, ...duringBackground]),
            chunkMs: Number(chunkMs.toFixed(3)),
            chunkTokens: options.chunkTokens,
            promptTokens,
            missedTrials: missedPrefill,
            generateRequestP95: distributionOf(duringGenerate).p95,
            backgroundPrefillP95: distributionOf(duringBackground).p95,
        },
        generation: { ...distributionOf(duringGeneration), tokenMs, missedTrials: missedGeneration },
    };
}
