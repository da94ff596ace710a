// One variant of the quality benchmark: asks the extension's CompletionEngine for a suggestion at
// every spot and scores it against what the file really has there, checks every shown suggestion
// independently (ShownSuggestionChecker), and retypes held-out functions with the typing replay
// and a user who accepts exactly what matches, for the keystrokes saved.
import { CompletionEngine } from "../../core/completion/CompletionEngine";
import type { CompletionSettings } from "../../core/completion/CompletionSettings";
import type { SyntaxGuard } from "../../core/completion/syntaxGuard";
import type { TextGenerator } from "../../core/textGenerator";
import { distributionOf } from "../percentiles";
import type { Distribution } from "../percentiles";
import type { PlaceContext } from "../typingReplay";
import type { PythonFunction } from "../pythonCorpus";
import { SeededRandom } from "../seededRandom";
import type { ShownSuggestionChecker } from "../ShownSuggestionChecker";
import { runTypingReplay } from "../typingReplay";
import type { ShownExample } from "../typingReplay";
import { EXACT_ACCEPTING_RHYTHM } from "../Typist";
import { editSimilarity } from "./editSimilarity";
import { spotDocument } from "./qualitySpots";
import type { QualitySpot } from "./qualitySpots";

export interface SpotResult {
    readonly spot: QualitySpot;
    /** The shown suggestion, undefined when none was shown. */
    readonly suggestion?: string;
    readonly latencyMs: number;
    readonly problem?: string;
    /** Why nothing was shown (the engine's reason), or the rules that cut the shown text. */
    readonly why?: string;
    /** The model's text after the stop rules, before post-processing and the guard. */
    readonly rawText?: string;
    /** Prompt tokens the host evaluated for this request (undefined: no model call). */
    readonly evaluatedTokens?: number;
    /** Estimated tokens of project context at the start of the prompt. */
    readonly contextTokens: number;
}

/** Rest-of-line figures of one kind of spot; `crossFile`: right before a use of a name imported from another module. */
export interface CrossFileFigures {
    readonly spots: number;
    readonly exactMatch: number;
    readonly editSimilarity: number;
}

export interface MultiLineFigures {
    readonly spots: number;
    readonly firstLineExactMatch: number;
    readonly firstLineEditSimilarity: number;
    readonly blockExactMatch: number;
    readonly blockEditSimilarity: number;
}

/** The figures the issue names, for one variant. Rates are over all spots (no suggestion = miss). */
export interface QualityFigures {
    readonly lineSpots: number;
    readonly lineExactMatch: number;
    readonly lineEditSimilarity: number;
    /** Shown suggestions / spots (line and block spots). */
    readonly shownRate: number;
    /** Saved keystrokes / keystrokes without suggestions, in the typing replay. */
    readonly keystrokesSaved: number;
    /** Shown suggestions (spots and replay) that add a parse error to the document. */
    readonly parseErrorsAdded: number;
    /** Shown suggestions (spots and replay) that repeat the text after the cursor. */
    readonly suffixDuplicates: number;
    readonly multiLine: MultiLineFigures;
    readonly crossFile: CrossFileFigures;
    /** Mean prompt tokens evaluated per model request at the spots (what a prompt change costs). */
    readonly evaluatedTokensPerRequest: number;
    /** Mean estimated project-context tokens per spot. */
    readonly contextTokensPerRequest: number;
    /** Request to suggestion at the spots (explicit trigger: no debounce), real time. */
    readonly latencyMs: Distribution;
    readonly replay: {
        readonly functions: number;
        readonly keystrokes: number;
        readonly keystrokesWithoutSuggestions: number;
        readonly shown: number;
        readonly accepted: number;
        /** Share of the replay's requests that carried project context. */
        readonly requestsWithContext: number;
    };
}

export interface VariantInput {
    readonly generator: TextGenerator;
    readonly settings: CompletionSettings;
    readonly syntaxGuard: SyntaxGuard | undefined;
    readonly checker: ShownSuggestionChecker;
    readonly spots: readonly QualitySpot[];
    readonly replayFunctions: readonly PythonFunction[];
    readonly seed: number;
    readonly progress?: (message: string) => void;
    /** Project context at a spot and in the typing replay (the variant's phi2.context); none when undefined. */
    readonly projectContext?: PlaceContext;
}

export function firstLine(text: string): string {
    return text.split("\n")[0]!.trimEnd();
}

/** Lines without trailing whitespace and without trailing blank lines: how a block is compared. */
export function normalizeBlock(text: string): string {
    const lines = text.split("\n").map((line) => line.trimEnd());
    while (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();
    return lines.join("\n");
}

async function completeAtSpot(engine: CompletionEngine, checker: ShownSuggestionChecker, spot: QualitySpot, contextFor: VariantInput["projectContext"]): Promise<SpotResult> {
    const document = spotDocument(spot);
    const snapshot = document.snapshot();
    const projectContext = await contextFor?.({ file: spot.file, lines: spot.lines, line: spot.line }, snapshot);
    const outcome = await engine.complete({ document: snapshot, position: document.position, signal: new AbortController().signal, trigger: "explicit", projectContext });
    const insertText = outcome.suggestion?.insertText;
    const latencyMs = outcome.stats.latencyMs;
    const rawText = outcome.stats.rawText;
    const cuts = outcome.stats.cuts.map((cut) => cut.rule).join(",");
    const costs = { evaluatedTokens: outcome.stats.counters?.evaluatedTokens, contextTokens: outcome.stats.prompt.contextTokens };
    if (insertText === undefined || insertText.length === 0) return { spot, latencyMs, rawText, why: outcome.reason ?? "empty", ...costs };
    const check = checker.check(document, document.position, insertText);
    const problems: string[] = [];
    if (check.suffixDuplicate) problems.push(`duplicates the text after the cursor (${check.suffixDuplicate})`);
    if (check.errorsAfter > check.errorsBefore) problems.push(`adds parse errors (${check.errorsBefore} -> ${check.errorsAfter})`);
    return { spot, suggestion: insertText, latencyMs, rawText, why: cuts || undefined, problem: problems.length > 0 ? problems.join("; ") : undefined, ...costs };
}

function mean(values: readonly number[]): number {
    return values.length === 0 ? 0 : values.reduce((total, value) => total + value, 0) / values.length;
}

function round(value: number): number {
    return Number(value.toFixed(4));
}

/** Exact match and edit similarity of the first suggested line against the rest of the line, at spots of one kind. */
function scoreRestOfLine(results: readonly SpotResult[], kind: "line" | "crossFile"): CrossFileFigures {
    const spots = results.filter((result) => result.spot.kind === kind);
    const suggested = spots.map((result) => firstLine(result.suggestion ?? ""));
    return {
        spots: spots.length,
        exactMatch: round(mean(spots.map((result, index) => (suggested[index] === result.spot.expected ? 1 : 0)))),
        editSimilarity: round(mean(spots.map((result, index) => editSimilarity(suggested[index]!, result.spot.expected)))),
    };
}

function scoreLineSpots(results: readonly SpotResult[]): Pick<QualityFigures, "lineSpots" | "lineExactMatch" | "lineEditSimilarity"> {
    const { spots, exactMatch, editSimilarity: similarity } = scoreRestOfLine(results, "line");
    return { lineSpots: spots, lineExactMatch: exactMatch, lineEditSimilarity: similarity };
}

function scoreBlockSpots(results: readonly SpotResult[]): MultiLineFigures {
    const blocks = results.filter((result) => result.spot.kind === "block");
    const first = blocks.map((result) => [firstLine(result.suggestion ?? ""), firstLine(result.spot.expected)] as const);
    const whole = blocks.map((result) => [normalizeBlock(result.suggestion ?? ""), normalizeBlock(result.spot.expected)] as const);
    return {
        spots: blocks.length,
        firstLineExactMatch: round(mean(first.map(([actual, expected]) => (actual === expected ? 1 : 0)))),
        firstLineEditSimilarity: round(mean(first.map(([actual, expected]) => editSimilarity(actual, expected)))),
        blockExactMatch: round(mean(whole.map(([actual, expected]) => (actual === expected ? 1 : 0)))),
        blockEditSimilarity: round(mean(whole.map(([actual, expected]) => editSimilarity(actual, expected)))),
    };
}

export interface VariantMeasurement {
    readonly figures: QualityFigures;
    readonly results: readonly SpotResult[];
    /** Shown suggestions of the replay that the checker flagged. */
    readonly replayProblems: readonly ShownExample[];
}

export async function measureVariant(input: VariantInput): Promise<VariantMeasurement> {
    const engine = new CompletionEngine(input.generator, { settings: input.settings, syntaxGuard: input.syntaxGuard });
    const results: SpotResult[] = [];
    try {
        for (const spot of input.spots) results.push(await completeAtSpot(engine, input.checker, spot, input.projectContext));
    } finally {
        engine.dispose();
    }
    input.progress?.(`spots done (${results.filter((result) => result.suggestion !== undefined).length}/${results.length} shown); typing replay`);
    const replay = await runTypingReplay({
        generator: input.generator, settings: input.settings, syntaxGuard: input.syntaxGuard, checker: input.checker,
        functions: input.replayFunctions, random: new SeededRandom(input.seed + 1), rhythm: EXACT_ACCEPTING_RHYTHM, projectContext: input.projectContext,
        // the estimate of Phi-2's time is not part of this benchmark
        promptRate: 60, generationRate: 15,
    });
    const shownAtSpots = results.filter((result) => result.suggestion !== undefined);
    // The shown rate keeps its meaning (line and block spots); cross-file spots are scored apart.
    const rateSpots = results.filter((result) => result.spot.kind !== "crossFile");
    const evaluated = results.flatMap((result) => (result.evaluatedTokens === undefined ? [] : [result.evaluatedTokens]));
    const problemCount = (word: string): number => shownAtSpots.filter((result) => result.problem?.includes(word)).length;
    const figures: QualityFigures = {
        ...scoreLineSpots(results),
        shownRate: round(rateSpots.length === 0 ? 0 : rateSpots.filter((result) => result.suggestion !== undefined).length / rateSpots.length),
        keystrokesSaved: round(replay.keystrokesWithoutSuggestions === 0 ? 0 : 1 - replay.keystrokes / replay.keystrokesWithoutSuggestions),
        parseErrorsAdded: problemCount("parse errors") + replay.shown.parseErrorsAdded,
        suffixDuplicates: problemCount("duplicates") + replay.shown.suffixDuplicates,
        multiLine: scoreBlockSpots(results),
        crossFile: scoreRestOfLine(results, "crossFile"),
        evaluatedTokensPerRequest: Number(mean(evaluated).toFixed(1)),
        contextTokensPerRequest: Number(mean(results.map((result) => result.contextTokens)).toFixed(1)),
        latencyMs: distributionOf(results.map((result) => result.latencyMs), 1),
        replay: {
            functions: replay.places, keystrokes: replay.keystrokes, keystrokesWithoutSuggestions: replay.keystrokesWithoutSuggestions,
            shown: replay.suggestionsShown, accepted: replay.acceptedMatchingTarget,
            requestsWithContext: round(replay.requests === 0 ? 0 : replay.requestsWithContext / replay.requests),
        },
    };
    return { figures, results, replayProblems: replay.shown.examples };
}
