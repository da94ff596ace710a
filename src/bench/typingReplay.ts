// The typing replay: functions of real Python files are typed again, character by character, on
// simulated time, through the same CompletionEngine (automatic triggers, adaptive debounce, flights,
// suggestion cache, tree-sitter syntax guard) and the same model host as the extension. Every
// keystroke is a completion request and cancels the previous one, as VS Code does. Model work is
// real and its counters exact; simulated time stands still while the model works (so time-to-
// suggestion on a real Phi-2 is estimated from the counted tokens instead).
import { CompletionEngine } from "../core/completion/CompletionEngine";
import type { CompletionOutcome } from "../core/completion/CompletionEngine";
import type { CompletionSettings } from "../core/completion/CompletionSettings";
import type { SyntaxGuard } from "../core/completion/syntaxGuard";
import type { RenderedProjectContext } from "../core/context/ProjectContext";
import type { TextGenerator } from "../core/textGenerator";
import type { DocumentSnapshot } from "../core/types";
import { CountingGenerator } from "./CountingGenerator";
import type { CountedCall } from "./CountingGenerator";
import { distributionOf } from "./percentiles";
import type { Distribution } from "./percentiles";
import type { PythonFunction } from "./pythonCorpus";
import type { SeededRandom } from "./seededRandom";
import type { ShownSuggestionChecker } from "./ShownSuggestionChecker";
import { TypedDocument } from "./TypedDocument";
import { keystrokesToType, Typist } from "./Typist";
import type { Reaction, TypistRhythm } from "./Typist";
import { VirtualClock } from "./VirtualClock";

/** Where a request is made, for the project context: the file, its lines, the cursor's line. */
export interface ContextPlace {
    readonly file: string;
    readonly lines: readonly string[];
    readonly line: number;
}

/** The project context for a place (a variant's phi2.context). */
export type PlaceContext = (place: ContextPlace, document: DocumentSnapshot) => Promise<RenderedProjectContext>;

export interface ReplayOptions {
    readonly generator: TextGenerator;
    readonly settings: CompletionSettings;
    readonly syntaxGuard: SyntaxGuard | undefined;
    readonly checker: ShownSuggestionChecker;
    readonly functions: readonly PythonFunction[];
    readonly random: SeededRandom;
    /**
     * Project context at each retyped function: rendered once per function, since it depends on
     * the file's imports only (as in the editor, it stays the same while the user types).
     */
    readonly projectContext?: PlaceContext;
    /** Tokens per second of a real Phi-2 on a laptop CPU, for the time-to-suggestion estimate. */
    readonly promptRate: number;
    readonly generationRate: number;
    /** Progress lines (stderr). */
    readonly progress?: (message: string) => void;
    /** How the simulated user reacts to suggestions (default: Typist's DEFAULT_RHYTHM). */
    readonly rhythm?: TypistRhythm;
}

export interface ShownExample {
    readonly file: string;
    readonly line: number;
    readonly character: number;
    readonly insertText: string;
    readonly restOfLine: string;
    readonly problem: string;
}

export interface ReplayReport {
    readonly places: number;
    readonly files: readonly string[];
    readonly keystrokes: number;
    /** Keystrokes the same functions take without any suggestion. */
    readonly keystrokesWithoutSuggestions: number;
    readonly typedCharacters: number;
    readonly simulatedSeconds: number;
    /** Completion requests (one per keystroke, accept or undo). */
    readonly requests: number;
    /** Requests that asked the model (generate calls). */
    readonly modelCalls: number;
    readonly prefills: number;
    readonly promptTokensEvaluated: Distribution;
    /** Per generate call after the first one at each place (typed function). */
    readonly warmPromptTokensEvaluated: Distribution;
    readonly firstPromptTokensEvaluated: Distribution;
    readonly promptTokens: Distribution;
    readonly generatedTokens: Distribution;
    /** Wall-clock ms per generate call that was not cancelled, as the editor waits for it (real model work). */
    readonly generateLatencyMs: Distribution;
    /** Every generate call's evaluated prompt tokens and, unless cancelled, wall-clock ms (to merge several replays). */
    readonly generateSamples: readonly { readonly evaluatedTokens: number; readonly latencyMs?: number }[];
    readonly evaluatedTokensTotal: number;
    readonly prefillEvaluatedTokensTotal: number;
    /** What re-evaluating the full prompt of every generate call would cost. */
    readonly baselineTokensTotal: number;
    /** (generate + prefill evaluated tokens) / baseline. */
    readonly evaluatedToBaselineRatio: number;
    readonly typedAheadHits: number;
    /** Requests that carried project context (ReplayOptions.projectContext). */
    readonly requestsWithContext: number;
    readonly cacheHits: number;
    readonly suggestionsReturned: number;
    readonly suggestionsShown: number;
    readonly accepted: number;
    readonly acceptedMatchingTarget: number;
    readonly reactions: Readonly<Record<Reaction, number>>;
    /** Suggestions the syntax guard cut back (partly) or dropped (entirely). */
    readonly cutBySyntaxGuard: number;
    readonly droppedBySyntaxGuard: number;
    readonly cutByRules: number;
    /** Estimated ms from request to suggestion on a real Phi-2 (evaluated / promptRate + generated / generationRate). */
    readonly estimatedTimeToSuggestionMs: Distribution;
    /** The prompt part of it alone (evaluated / promptRate): the wait a stable, cached prompt saves. */
    readonly estimatedPromptMs: Distribution;
    readonly shown: {
        readonly count: number;
        readonly suffixDuplicates: number;
        readonly parseErrorsAdded: number;
        readonly examples: readonly ShownExample[];
    };
}

interface ActiveRequest {
    readonly controller: AbortController;
    readonly promise: Promise<CompletionOutcome>;
    outcome: CompletionOutcome | undefined;
    handled: boolean;
}

/** Simulated ms the user pauses at the end of a function (the last request may finish). */
const END_OF_PLACE_PAUSE_MS = 3000;
const MAX_EXAMPLES = 10;

export async function runTypingReplay(options: ReplayOptions): Promise<ReplayReport> {
    const clock = new VirtualClock();
    const counting = new CountingGenerator(options.generator);
    const engine = new CompletionEngine(counting, { settings: options.settings, syntaxGuard: options.syntaxGuard, now: clock.now, timers: clock });
    const reactions: Record<Reaction, number> = { accept: 0, acceptAndUndo: 0, typeAlong: 0, typeOver: 0 };
    const shownExamples: ShownExample[] = [];
    let keystrokes = 0;
    let keystrokesWithoutSuggestions = 0;
    let typedCharacters = 0;
    let shownCount = 0;
    let suffixDuplicates = 0;
    let parseErrorsAdded = 0;
    let acceptedMatchingTarget = 0;
    let cutByRules = 0;
    let requestsWithContext = 0;

    /** Lets the event loop deliver host messages and the engine's promise chains run. */
    const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

    /**
     * Advances simulated time to `until`, running due timers and waiting (in real time, with the
     * clock stopped) for model calls they start. Returns early with a request that just produced
     * a suggestion, which the user sees now.
     */
    async function driveUntil(until: number, active: ActiveRequest | undefined): Promise<ActiveRequest | undefined> {
        for (;;) {
            await settle();
            if (counting.inFlight > 0) {
                await counting.whenIdle();
                continue;
            }
            if (active && active.outcome && !active.handled) {
                active.handled = true;
                if (active.outcome.suggestion) return active;
            }
            const due = clock.nextDueAt();
            if (due !== undefined && due <= until) {
                clock.runNext();
                continue;
            }
            clock.advanceTo(until);
            return undefined;
        }
    }

    function request(document: TypedDocument, projectContext: RenderedProjectContext | undefined): ActiveRequest {
        const controller = new AbortController();
        const promise = engine.complete({ document: document.snapshot(), position: document.position, signal: controller.signal, trigger: "automatic", projectContext });
        if (projectContext && projectContext.text.length > 0) requestsWithContext++;
        const active: ActiveRequest = { controller, promise, outcome: undefined, handled: false };
        promise.then((outcome) => {
            active.outcome = outcome;
            if (outcome.reason === "cutByRules") cutByRules++;
        });
        return active;
    }

    function recordShown(active: ActiveRequest, document: TypedDocument, fn: PythonFunction): void {
        const outcome = active.outcome!;
        const suggestion = outcome.suggestion!;
        shownCount++;
        engine.notifyShown(outcome);
        const position = document.position;
        const check = options.checker.check(document, position, suggestion.insertText);
        const problems: string[] = [];
        if (check.suffixDuplicate) {
            suffixDuplicates++;
            problems.push(`duplicates the text after the cursor (${check.suffixDuplicate})`);
        }
        if (check.errorsAfter > check.errorsBefore) {
            parseErrorsAdded++;
            problems.push(`adds parse errors (${check.errorsBefore} -> ${check.errorsAfter})`);
        }
        if (problems.length > 0 && shownExamples.length < MAX_EXAMPLES) {
            shownExamples.push({
                file: fn.file.path, line: position.line + 1, character: position.character + 1,
                insertText: suggestion.insertText, restOfLine: document.restOfLine(), problem: problems.join("; "),
            });
        }
    }

    const files: string[] = [];
    for (let place = 0; place < options.functions.length; place++) {
        const fn = options.functions[place]!;
        counting.place = place;
        if (!files.includes(fn.file.path)) files.push(fn.file.path);
        options.progress?.(`replay ${place + 1}/${options.functions.length}: ${fn.name} (${fn.file.path}:${fn.startLine + 1}, ${fn.text.length} characters)`);
        const original = fn.file.lines;
        const lines = [...original.slice(0, fn.startLine), fn.indent, ...original.slice(fn.endLine)];
        const document = new TypedDocument(`file://${fn.file.path}`, lines, { line: fn.startLine, character: fn.indent.length });
        const typist = new Typist(fn.text, options.random, options.rhythm);
        keystrokesWithoutSuggestions += keystrokesToType(fn.text);

        const projectContext = await options.projectContext?.({ file: fn.file.path, lines: original, line: fn.startLine }, document.snapshot());
        // The cursor jumped here: the extension warms the cache while the user reads.
        await engine.prefill(document.snapshot(), document.position, new AbortController().signal, projectContext);
        await counting.whenIdle();

        let active: ActiveRequest | undefined;
        let lastActionAt = clock.now() + options.random.between(800, 2000);
        let planned = typist.next();
        while (planned) {
            const shown = await driveUntil(lastActionAt + planned.delayMs, active);
            if (shown) {
                recordShown(shown, document, fn);
                const reaction = typist.react(shown.outcome!.suggestion!.insertText, document);
                reactions[reaction]++;
                if (typist.busyReacting) {
                    lastActionAt = clock.now();
                    planned = typist.next();
                }
                continue;
            }
            if (active && !active.outcome) active.controller.abort(); // the new keystroke cancels it
            const action = planned.action;
            typist.perform(action, document);
            keystrokes += action.kind === "accept" ? action.keystrokes : 1;
            if (action.kind === "type" || action.kind === "typeJunk") typedCharacters += action.text.length;
            if (action.kind === "accept") {
                engine.notifyAccepted(active?.outcome);
                if (action.matchesTarget) acceptedMatchingTarget++;
            }
            active = request(document, projectContext);
            lastActionAt = clock.now();
            planned = typist.next();
        }
        const last = await driveUntil(clock.now() + END_OF_PLACE_PAUSE_MS, active);
        if (last) recordShown(last, document, fn);
        if (active && !active.outcome) active.controller.abort();
        await driveUntil(clock.now() + END_OF_PLACE_PAUSE_MS, undefined);
        if (document.text() !== original.join("\n")) {
            throw new Error(`Internal error in the replay: after typing ${fn.name} in ${fn.file.path} the document differs from the file.`);
        }
    }
    engine.dispose();
    await counting.whenIdle();

    const generates = counting.calls.filter((call) => call.kind === "generate");
    const prefills = counting.calls.filter((call) => call.kind === "prefill");
    const firstAtPlace = new Set<CountedCall>();
    const seenPlaces = new Set<number>();
    for (const call of generates) {
        if (!seenPlaces.has(call.place)) {
            seenPlaces.add(call.place);
            firstAtPlace.add(call);
        }
    }
    const evaluated = generates.map((call) => call.counters.evaluatedTokens);
    const evaluatedTotal = sum(evaluated);
    const prefillTotal = sum(prefills.map((call) => call.counters.evaluatedTokens));
    const baseline = sum(generates.map((call) => call.counters.promptTokens));
    const totals = engine.totals;
    return {
        places: options.functions.length,
        files,
        keystrokes,
        keystrokesWithoutSuggestions,
        typedCharacters,
        simulatedSeconds: Math.round(clock.now() / 100) / 10,
        requests: totals.requests,
        modelCalls: generates.length,
        prefills: prefills.length,
        promptTokensEvaluated: distributionOf(evaluated, 1),
        warmPromptTokensEvaluated: distributionOf(generates.filter((call) => !firstAtPlace.has(call)).map((call) => call.counters.evaluatedTokens), 1),
        firstPromptTokensEvaluated: distributionOf([...firstAtPlace].map((call) => call.counters.evaluatedTokens), 1),
        promptTokens: distributionOf(generates.map((call) => call.counters.promptTokens), 1),
        generatedTokens: distributionOf(generates.map((call) => call.counters.generatedTokens), 1),
        generateLatencyMs: distributionOf(generates.filter((call) => call.stopReason !== "cancelled").map((call) => call.wallMs), 1),
        generateSamples: generates.map((call) => ({ evaluatedTokens: call.counters.evaluatedTokens, ...(call.stopReason !== "cancelled" ? { latencyMs: call.wallMs } : {}) })),
        evaluatedTokensTotal: evaluatedTotal,
        prefillEvaluatedTokensTotal: prefillTotal,
        baselineTokensTotal: baseline,
        evaluatedToBaselineRatio: baseline > 0 ? round((evaluatedTotal + prefillTotal) / baseline, 4) : 0,
        typedAheadHits: totals.typedAheadHits,
        requestsWithContext,
        cacheHits: totals.cacheHits,
        suggestionsReturned: totals.suggestionsReturned,
        suggestionsShown: shownCount,
        accepted: totals.accepted,
        acceptedMatchingTarget,
        reactions,
        cutBySyntaxGuard: totals.cutBySyntaxGuard + totals.droppedBySyntaxGuard,
        droppedBySyntaxGuard: totals.droppedBySyntaxGuard,
        cutByRules,
        estimatedTimeToSuggestionMs: distributionOf(generates.map((call) =>
            (call.counters.evaluatedTokens / options.promptRate + call.counters.generatedTokens / options.generationRate) * 1000), 0),
        estimatedPromptMs: distributionOf(generates.map((call) => (call.counters.evaluatedTokens / options.promptRate) * 1000), 0),
        shown: { count: shownCount, suffixDuplicates, parseErrorsAdded, examples: shownExamples },
    };
}

function sum(values: readonly number[]): number {
    return values.reduce((total, value) => total + value, 0);
}

function round(value: number, decimals: number): number {
    return Number(value.toFixed(decimals));
}
