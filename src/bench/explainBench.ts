// `bench --explain` (with --phi2-shape for Phi-2's real cost): "Explain This Code" on functions
// of the standard library, built and run as the extension does (buildExplainJob, ExplainSession
// on the model host), then "Explain Again" on each (sampled, resampledJob). For each: the time to
// the first words against the physical floor (the prompt at the measured prompt speed plus one
// generated token), the generation speed, what ended it, and whether the second text differs.
import { ExplainSession } from "../core/explain/ExplainSession";
import type { ExplainOutcome } from "../core/explain/ExplainSession";
import { buildExplainJob, type ExplainJob } from "../core/explain/explainPrompt";
import { resampledJob } from "../core/explain/explainSampling";
import { snapshotOfLines } from "../core/python/textSnapshot";
import type { TextGenerator } from "../core/textGenerator";
import { generationRate, measureModelSpeed, type ModelSpeedReport } from "./modelSpeed";
import { distributionOf, type Distribution } from "./percentiles";
import { pickFunctions, type FunctionFilter, type PythonFunction } from "./pythonCorpus";
import type { SeededRandom } from "./seededRandom";

/** Functions a user would explain at once: a screenful, not a module. */
const EXPLAIN_FILTER: FunctionFilter = { minLines: 8, maxLines: 40, minCharacters: 300, maxCharacters: 1500, maxLineLength: 100 };

export interface ExplainRunFigures {
    /** Prompt tokens the host evaluated (fewer than the prompt when its start was cached). */
    readonly evaluatedTokens: number;
    /** From the start to the first non-blank text the panel would show; null when none came. */
    readonly firstWordsMs: number | null;
    readonly totalMs: number;
    readonly generatedTokens: number;
    /** Generation speed after the first token. */
    readonly generatedTokensPerS: number;
    readonly stopReason: ExplainOutcome["stopReason"];
    readonly stopRule?: string;
}

export interface ExplanationReport {
    readonly file: string;
    readonly function: string;
    readonly line: number;
    readonly promptTokens: number;
    /** evaluatedTokens / prompt speed + one token / generation speed (ms). */
    readonly floorMs: number;
    readonly first: ExplainRunFigures;
    /** Explain Again: the same prompt (cached), sampled with a new seed. */
    readonly again: ExplainRunFigures & { readonly differs: boolean };
}

export interface ExplainBenchReport {
    readonly speed: ModelSpeedReport;
    /** Generated tokens per explanation in this benchmark (the extension's cap is phi2.explain.maxTokens). */
    readonly maxTokens: number;
    readonly explanations: readonly ExplanationReport[];
    readonly firstWordsMs: Distribution;
    readonly floorMs: Distribution;
    /** firstWordsMs / floorMs per explanation. */
    readonly firstWordsOverFloor: Distribution;
    readonly againFirstWordsMs: Distribution;
    readonly againDiffers: number;
    readonly generatedTokensPerS: Distribution;
}

export interface ExplainBenchInput {
    readonly generator: TextGenerator;
    readonly stdlibFiles: readonly string[];
    readonly explanations: number;
    readonly maxTokens: number;
    readonly contextTokens: number;
    readonly random: SeededRandom;
    readonly progress: (message: string) => void;
}

export async function runExplainBench(input: ExplainBenchInput): Promise<ExplainBenchReport> {
    const functions = await pickFunctions(input.stdlibFiles, input.explanations, EXPLAIN_FILTER, input.random);
    if (functions.length === 0) throw new Error("No functions of 300-1,500 characters were found in the Python standard library to explain.");
    input.progress("measuring the model's prompt and generation speed");
    const speed = await measureModelSpeed(input.generator, functions[0]!.file.lines);
    input.progress(`prompt ${speed.promptTokensPerS} tokens/s, generation ${speed.generatedTokensPerS} tokens/s`);
    const explanations: ExplanationReport[] = [];
    for (const fn of functions) {
        const job = explainJobFor(fn, input);
        input.progress(`explaining ${fn.name} (${fn.file.path}:${fn.startLine + 1})`);
        const first = await runExplanation(input.generator, job);
        const again = await runExplanation(input.generator, resampledJob(job, undefined, () => input.random.next()));
        const floorMs = Math.round((first.figures.evaluatedTokens / speed.promptTokensPerS + 1 / speed.generatedTokensPerS) * 1000);
        explanations.push({
            file: fn.file.path, function: fn.name, line: fn.startLine + 1,
            promptTokens: first.promptTokens, floorMs,
            first: first.figures,
            again: { ...again.figures, differs: again.text !== first.text },
        });
        input.progress(`first words after ${first.figures.firstWordsMs ?? "-"} ms (floor ${floorMs} ms), again after ${again.figures.firstWordsMs ?? "-"} ms`);
    }
    const firstWords = explanations.filter((run) => run.first.firstWordsMs !== null);
    return {
        speed,
        maxTokens: input.maxTokens,
        explanations,
        firstWordsMs: distributionOf(firstWords.map((run) => run.first.firstWordsMs!), 0),
        floorMs: distributionOf(explanations.map((run) => run.floorMs), 0),
        firstWordsOverFloor: distributionOf(firstWords.map((run) => run.first.firstWordsMs! / run.floorMs), 2),
        againFirstWordsMs: distributionOf(explanations.filter((run) => run.again.firstWordsMs !== null).map((run) => run.again.firstWordsMs!), 0),
        againDiffers: explanations.filter((run) => run.again.differs).length,
        generatedTokensPerS: distributionOf(explanations.map((run) => run.first.generatedTokensPerS), 2),
    };
}

/** The job the extension builds with the cursor on the function's first body line. */
function explainJobFor(fn: PythonFunction, input: ExplainBenchInput): ExplainJob {
    const document = snapshotOfLines(fn.file.lines, { uri: `file://${fn.file.path}` });
    const job = buildExplainJob(document, { line: fn.startLine + 1, character: 0 }, undefined, { maxTokens: input.maxTokens, contextTokens: input.contextTokens });
    if (job === undefined) throw new Error(`Nothing to explain at ${fn.file.path}:${fn.startLine + 2}.`);
    return job;
}

async function runExplanation(generator: TextGenerator, job: ExplainJob): Promise<{ readonly text: string; readonly promptTokens: number; readonly figures: ExplainRunFigures }> {
    const started = performance.now();
    let firstWordsMs: number | null = null;
    const session = new ExplainSession(generator, job, (event) => {
        if (event.kind === "text" && firstWordsMs === null && event.text.trim() !== "") firstWordsMs = Math.round(performance.now() - started);
    });
    await session.start();
    if (session.status === "error") throw session.error;
    const outcome = session.outcome!;
    const counters = outcome.counters;
    const generatedTokens = counters?.generatedTokens ?? 0;
    return {
        text: outcome.text,
        promptTokens: counters?.promptTokens ?? 0,
        figures: {
            evaluatedTokens: counters?.evaluatedTokens ?? 0,
            firstWordsMs,
            totalMs: Math.round(performance.now() - started),
            generatedTokens,
            generatedTokensPerS: counters ? generationRate(counters) : 0,
            stopReason: outcome.stopReason,
            ...(outcome.stopRule !== undefined ? { stopRule: outcome.stopRule } : {}),
        },
    };
}

