// The completion pipeline: document + cursor -> prompt -> generation with stop rules ->
// post-processing -> syntax guard -> suggestion. Pure: the model is behind the TextGenerator port,
// the clock and timers are injected.
import type { TextGenerator, PrefillResult } from "../textGenerator";
import type { DocumentSnapshot, GenerationCounters, Position, Range, StopReason } from "../types";
import { promptBudgetTokens } from "./CompletionSettings";
import type { CompletionSettings } from "./CompletionSettings";
import { chooseCompletionMode } from "./completionMode";
import type { CompletionMode, CompletionModeDecision } from "./completionMode";
import { computePrefixWindow } from "./contextWindow";
import type { PrefixWindow } from "./contextWindow";
import { GenerationFlight } from "./GenerationFlight";
import type { FlightPart, FlightResult } from "./GenerationFlight";
import { indentWidth, isBlank, leadingWhitespace, tabSizeOf } from "../python/indentation";
import { buildPhi2Prompt, omittedCursorIndentation } from "./phi2Prompt";
import { postprocessSuggestion } from "./postprocess";
import type { PostprocessContext, RuleEffect } from "./postprocess";
import { AdaptiveDebounce, SYSTEM_TIMERS, abortableDelay, commonPrefixLength, isWarmPrompt } from "./scheduler";
import { windowStepLinesFor } from "./machineTuning";
import { estimateTextTokens } from "../tokenEstimate";
import type { Timers } from "./scheduler";
import type { StopRuleContext } from "./stopRules";
import { SuggestionCache, typedAheadRemainder } from "./suggestionCache";
import { enclosingBlockSource } from "../syntax/guardRegion";
import { guardTimeBudgetMs } from "../syntax/syntaxGuard";
import { NO_PROJECT_CONTEXT } from "../context/ProjectContext";
import type { RenderedProjectContext } from "../context/ProjectContext";
import type { SyntaxGuard, SyntaxGuardVerdict } from "../syntax/syntaxGuard";
import { splitsSurrogatePair } from "../surrogatePair";

export type CompletionTrigger = "automatic" | "explicit";

export interface CompletionRequest {
    readonly document: DocumentSnapshot;
    readonly position: Position;
    readonly signal: AbortSignal;
    readonly trigger: CompletionTrigger;
    /** Definitions and snippets from other files, put before the document's text (see ProjectContext). */
    readonly projectContext?: RenderedProjectContext;
}

export interface Suggestion {
    /** Text to insert at the cursor, in the document's line endings. */
    readonly insertText: string;
    /** Where it goes (empty: at the cursor). */
    readonly range: Range;
}

/** Where a suggestion came from: a model call, the rest of one the user is typing, or the LRU. */
export type CompletionSource = "model" | "typedAhead" | "cache";

export type NoSuggestionReason =
    | "cancelled" // the caller aborted (a newer keystroke)
    | "emptyPrompt" // nothing before the cursor to continue
    | "insideCharacter" // the position splits a surrogate pair (only an API caller can put it there)
    | "noModelText" // the model produced nothing (or only what the stop rules cut at once)
    | "cutByRules" // post-processing removed everything (e.g. it repeated the following code)
    | "syntaxGuard"; // every prefix of it added a parse error

export interface CompletionStats {
    readonly trigger: CompletionTrigger;
    readonly source?: CompletionSource;
    readonly mode: CompletionMode;
    readonly modeBecause: CompletionModeDecision["because"];
    /** The model host's counters for the generation used (also for typed-ahead reuse of a flight). */
    readonly counters?: GenerationCounters;
    readonly stopReason?: StopReason;
    /** Stop rule, post-processing and syntax-guard cuts, in order. */
    readonly cuts: readonly RuleEffect[];
    readonly syntaxGuard?: Pick<SyntaxGuardVerdict, "action" | "errorsWithout" | "errorsWith" | "parses" | "outOfTime"> & { readonly ms: number };
    /** The text before post-processing (model text after the stop rules, or the cached remainder). */
    readonly rawText?: string;
    readonly prompt: {
        readonly characters: number;
        readonly estimatedTokens: number;
        readonly windowStartLine: number;
        readonly headerLines: number;
        /** Estimated tokens of project context at the start of the prompt (0 without). */
        readonly contextTokens: number;
    };
    /** From the call to the answer. */
    readonly latencyMs: number;
    /** Waiting for the model (own generation or one in flight). */
    readonly modelMs: number;
    readonly debounceMs: number;
    /** Everything else: window, prompt, cache, rules, guard. */
    readonly overheadMs: number;
}

export interface CompletionOutcome {
    readonly suggestion?: Suggestion;
    readonly stats: CompletionStats;
    readonly reason?: NoSuggestionReason;
    /** The suggestion is the first part of a generation that goes on (first line first). */
    readonly continuation?: Continuation;
}

/** What a shown first part's generation ended with. */
export interface ContinuationEnd {
    /** The host's counters of the whole generation (the part shown was generated by it). */
    readonly counters: GenerationCounters;
    /** The whole generation's text after the stop rules (the part shown is a start of it). */
    readonly text: string;
    /**
     * A longer suggestion than the part is now in the cache for the same prompt: asking again at
     * the same place (e.g. the editor's inline-suggest trigger) shows it.
     */
    readonly longer: boolean;
}

export interface Continuation {
    readonly ended: Promise<ContinuationEnd>;
    /**
     * The part was a start of the first line (the latency budget ran out before the line did):
     * resolves when the generation, still running, has completed that line. Asking again at the
     * same place then shows the whole line (or, when the part showed nothing because the rules or
     * the guard dropped it, a line they may keep) seconds before the generation ends.
     */
    readonly lineCompleted?: Promise<void>;
}

/** Running totals since the engine was made. */
export interface CompletionEngineTotals {
    requests: number;
    modelCalls: number;
    typedAheadHits: number;
    cacheHits: number;
    suggestionsReturned: number;
    cutBySyntaxGuard: number;
    droppedBySyntaxGuard: number;
    shown: number;
    accepted: number;
}

export interface CompletionEngineOptions {
    readonly settings: CompletionSettings;
    readonly syntaxGuard?: SyntaxGuard;
    /** Milliseconds clock (performance.now by default). */
    readonly now?: () => number;
    readonly timers?: Timers;
}

/** Suggestions offered for an explicit request at most: the greedy one, then sampled ones. */
export const MAX_ALTERNATIVES = 3;
/** Sampled generations tried for the alternatives (duplicates and cut-away ones do not count). */
const ALTERNATIVE_TRIES = 4;
/** Sampling for the alternatives; fixed seeds make the same request give the same list. */
const ALTERNATIVE_TEMPERATURE = 0.8;
const ALTERNATIVE_FIRST_SEED = 1;

/** An explicit request's answer: the greedy outcome and up to MAX_ALTERNATIVES - 1 different suggestions. */
export interface CompletionChoices {
    readonly primary: CompletionOutcome;
    readonly alternatives: readonly CompletionOutcome[];
}

/**
 * A block's first line is shown ahead of the rest only when the block is slow in coming: a fast
 * model writes the whole block within this, from the model call (a test's tiny model too). It
 * measures the model, not the user's wait, so unlike the latency budget the debounce is not in it.
 */
const FIRST_LINE_AFTER_MS = 500;

/** Lines after the cursor that post-processing compares with the suggestion. */
const FOLLOWING_LINES = 12;
/** Lines scanned for the next non-blank line after the cursor (the suffix-echo stop rule). */
const NEXT_LINE_SCAN = 50;

interface PreparedRequest {
    readonly window: PrefixWindow;
    readonly context: RenderedProjectContext;
    readonly prompt: string;
    readonly mode: CompletionModeDecision;
    readonly stopContext: StopRuleContext;
    readonly postprocess: PostprocessContext;
}

interface Timing {
    readonly startedAt: number;
    modelMs: number;
    debounceMs: number;
}

export class CompletionEngine {
    private settings: CompletionSettings;
    private readonly syntaxGuard: SyntaxGuard | undefined;
    private readonly now: () => number;
    private readonly timers: Timers;
    private cache: SuggestionCache;
    private readonly debounce: AdaptiveDebounce;
    private readonly flights = new Map<string, GenerationFlight>();
    /**
     * The last prompt sent to the model per document (what its KV sequence holds); a document
     * whose sequence the generator handed to another key is dropped (forgetEvictedPrompt).
     */
    private readonly lastPrompts = new Map<string, string>();
    /** The prefill of the newest typed prompt per document (settings.prefillWhileTyping). */
    private readonly typingPrefills = new Map<string, { readonly prompt: string; readonly controller: AbortController }>();
    /** Passed with every request: the generator says which document lost its KV cache to it. */
    private readonly forgetEvictedPrompt = (evictedKey: string): void => {
        this.lastPrompts.delete(evictedKey);
    };
    /** The shared generator's evictions by other requests (an explanation taking a document's sequence). */
    private readonly evictions: { dispose(): void } | undefined;
    readonly totals: CompletionEngineTotals = {
        requests: 0, modelCalls: 0, typedAheadHits: 0, cacheHits: 0, suggestionsReturned: 0,
        cutBySyntaxGuard: 0, droppedBySyntaxGuard: 0, shown: 0, accepted: 0,
    };

    constructor(private readonly generator: TextGenerator, options: CompletionEngineOptions) {
        this.settings = options.settings;
        this.syntaxGuard = options.syntaxGuard;
        this.now = options.now ?? (() => performance.now());
        this.timers = options.timers ?? SYSTEM_TIMERS;
        this.cache = new SuggestionCache(options.settings.cacheEntries);
        this.debounce = new AdaptiveDebounce(options.settings.debounce);
        this.evictions = generator.onDidEvictKey?.(this.forgetEvictedPrompt);
    }

    updateSettings(settings: CompletionSettings): void {
        if (settings.cacheEntries !== this.settings.cacheEntries) this.cache = new SuggestionCache(settings.cacheEntries);
        this.settings = settings;
        this.debounce.updateSettings(settings.debounce);
    }

    async complete(request: CompletionRequest): Promise<CompletionOutcome> {
        const startedAt = this.now();
        return this.completePrepared(request, this.prepare(request.document, request.position, request.projectContext), startedAt);
    }

    /** complete() for a request already prepared (at `startedAt`: the preparation counts as overhead). */
    private async completePrepared(request: CompletionRequest, whole: PreparedRequest, startedAt: number): Promise<CompletionOutcome> {
        const timing: Timing = { startedAt, modelMs: 0, debounceMs: 0 };
        this.totals.requests++;
        const { document, position, signal } = request;
        const uri = document.uri;
        if (signal.aborted) return this.noSuggestion(request, whole, timing, "cancelled");
        if (splitsSurrogatePair(document.lineAt(position.line), position.character)) return this.noSuggestion(request, whole, timing, "insideCharacter");
        if (isBlank(whole.prompt)) return this.noSuggestion(request, whole, timing, "emptyPrompt");
        const firstLook = this.firstLookFor(request, whole);
        const prepared = firstLook ?? whole;
        const sequenceKey = firstLook ? firstLookKey(uri) : uri;
        // Every automatic request counts for the typing rhythm, also those the cache answers.
        const delayMs = request.trigger === "automatic"
            ? this.debounce.delayFor(uri, timing.startedAt, isWarmPrompt(this.lastPrompts.get(sequenceKey), prepared.prompt))
            : 0;
        // The whole window is read in the background while the first look answers.
        if (firstLook) this.prefillWhileTyping(uri, whole.prompt);

        const hit = this.cache.lookup(uri, prepared.prompt);
        if (hit) {
            const source: CompletionSource = hit.typed.length === 0 ? "cache" : "typedAhead";
            if (source === "cache") this.totals.cacheHits++;
            else this.totals.typedAheadHits++;
            return this.finish(request, prepared, timing, { text: hit.remaining, source, cuts: [] });
        }

        let waitMs = delayMs;
        const running = this.flights.get(uri);
        if (running && running.canServe(prepared.prompt)) {
            const attachedAt = this.now();
            const served = await this.serveFromFlight(request, prepared, timing, running);
            if (served) return served;
            // It wrote something else than was typed: the wait on it comes off the debounce.
            waitMs = Math.max(0, delayMs - (this.now() - attachedAt));
        } else if (running) {
            running.abort(); // single flight per document: the newer request wins
            this.flights.delete(uri);
        }

        if (waitMs > 0 && this.settings.prefillWhileTyping && !firstLook) this.prefillWhileTyping(uri, prepared.prompt);
        if (waitMs > 0) {
            const debounceStart = this.now();
            const waited = await abortableDelay(waitMs, signal, this.timers);
            timing.debounceMs = this.now() - debounceStart;
            if (!waited) return this.noSuggestion(request, prepared, timing, "cancelled");
        }
        // Single flight per document: one started meanwhile (by a request that was not cancelled) gives way.
        this.flights.get(uri)?.abort();

        const maxTokens = this.maxTokensFor(prepared);
        const modelStart = this.now();
        if (!firstLook) this.stopTypingPrefill(uri); // the generation evaluates the same prompt, from where the prefill got to
        const flight = new GenerationFlight(this.generator, {
            uri,
            sequenceKey,
            prompt: prepared.prompt,
            mode: prepared.mode.mode,
            stopContext: prepared.stopContext,
            maxTokens,
            timeCapMs: this.settings.timeCapMs,
            abandonGraceMs: this.settings.abandonGraceMs,
            onKeyEvicted: this.forgetEvictedPrompt,
            ...this.partsAfter(this.settings.latencyBudgetFrom === "request" ? this.now() - startedAt : 0),
        }, this.timers);
        this.flights.set(uri, flight);
        this.lastPrompts.set(sequenceKey, prepared.prompt);
        this.totals.modelCalls++;
        const forget = (): void => {
            if (this.flights.get(uri) === flight) this.flights.delete(uri);
        };
        flight.done.then((result) => {
            forget();
            if (result.result.stopReason !== "cancelled") {
                this.cache.store({ uri, prompt: prepared.prompt, text: result.text, mode: prepared.mode.mode });
            }
        }, forget);

        const result = await flight.attach(signal, { acceptPart: true });
        timing.modelMs += this.now() - modelStart;
        if (result === "cancelled") return this.noSuggestion(request, prepared, timing, "cancelled");
        if (isPart(result)) return this.finishPart(request, prepared, timing, flight, result.text, "model");
        return this.finish(request, prepared, timing, {
            text: result.text, source: "model", cuts: stopCuts(result), flight: result,
        });
    }

    /**
     * For an explicit request (the user asked for suggestions, e.g. Alt+\\ or Alt+]): the greedy
     * suggestion first, then sampled ones with fixed seeds, each through the same stop rules,
     * post-processing and syntax guard, without duplicates. The prompt is in the KV cache after the
     * first, so each alternative costs its generation only. Automatic requests keep one, greedy.
     */
    async completeWithAlternatives(request: CompletionRequest, count = MAX_ALTERNATIVES): Promise<CompletionChoices> {
        const startedAt = this.now();
        const prepared = this.prepare(request.document, request.position, request.projectContext);
        const primary = await this.completePrepared(request, prepared, startedAt);
        const alternatives: CompletionOutcome[] = [];
        if (request.trigger !== "explicit" || count <= 1 || primary.reason === "cancelled" || primary.reason === "emptyPrompt") return { primary, alternatives };
        const seen = new Set(primary.suggestion ? [primary.suggestion.insertText] : []);
        const wanted = primary.suggestion ? count - 1 : count;
        for (let attempt = 0; attempt < ALTERNATIVE_TRIES && alternatives.length < wanted && !request.signal.aborted; attempt++) {
            const timing: Timing = { startedAt: this.now(), modelMs: 0, debounceMs: 0 };
            const flight = new GenerationFlight(this.generator, {
                uri: request.document.uri,
                prompt: prepared.prompt,
                mode: prepared.mode.mode,
                stopContext: prepared.stopContext,
                maxTokens: this.maxTokensFor(prepared),
                timeCapMs: this.settings.timeCapMs,
                abandonGraceMs: 0,
                onKeyEvicted: this.forgetEvictedPrompt,
                sampling: { temperature: ALTERNATIVE_TEMPERATURE, seed: ALTERNATIVE_FIRST_SEED + attempt },
            }, this.timers);
            this.totals.modelCalls++;
            const result = await flight.attach(request.signal);
            timing.modelMs = this.now() - timing.startedAt;
            if (result === "cancelled") break;
            const outcome = this.finish(request, prepared, timing, { text: result.text, source: "model", cuts: stopCuts(result), flight: result });
            const text = outcome.suggestion?.insertText;
            if (text === undefined || text.trim().length === 0 || seen.has(text)) continue;
            seen.add(text);
            alternatives.push(outcome);
        }
        return { primary, alternatives };
    }

    /**
     * Evaluates the prompt for a position into the document's KV sequence in the background (a
     * document was opened or the cursor jumped), so the first real request there is fast. Skipped
     * while a generation for the document runs and when the sequence still holds this prompt (it
     * was not handed to another document since). Resolves undefined when skipped.
     */
    async prefill(document: DocumentSnapshot, position: Position, signal: AbortSignal, projectContext?: RenderedProjectContext): Promise<PrefillResult | undefined> {
        const uri = document.uri;
        if (signal.aborted || this.flights.has(uri)) return undefined;
        const prepared = this.prepare(document, position, projectContext);
        if (isBlank(prepared.prompt) || this.lastPrompts.get(uri) === prepared.prompt) return undefined;
        const result = await this.generator.prefill({ sequenceKey: uri, prompt: prepared.prompt, priority: "background", signal, onKeyEvicted: this.forgetEvictedPrompt });
        if (result.completed && !this.generatesOnOwnSequence(uri)) this.lastPrompts.set(uri, prepared.prompt);
        return result;
    }

    /**
     * Starts evaluating a typed prompt into the document's sequence at once, at background
     * priority, so the debounce and the keystrokes that follow overlap with the cold read. The
     * next keystroke's prompt replaces it (the host stops between chunks and keeps what it
     * evaluated, which the new prompt shares up to the keystroke); a generation preempts it.
     */
    private prefillWhileTyping(uri: string, prompt: string): void {
        if (this.typingPrefills.get(uri)?.prompt === prompt) return;
        this.stopTypingPrefill(uri);
        const entry = { prompt, controller: new AbortController() };
        this.typingPrefills.set(uri, entry);
        const current = (): boolean => this.typingPrefills.get(uri) === entry;
        this.generator.prefill({ sequenceKey: uri, prompt, priority: "background", signal: entry.controller.signal, onKeyEvicted: this.forgetEvictedPrompt }).then((result) => {
            if (result.completed && current() && !this.generatesOnOwnSequence(uri)) this.lastPrompts.set(uri, prompt);
        }, () => undefined).finally(() => {
            if (current()) this.typingPrefills.delete(uri);
        });
    }

    /** A generation runs on the document's own sequence (not its first look's): what a prefill read there may be gone. */
    private generatesOnOwnSequence(uri: string): boolean {
        const flight = this.flights.get(uri);
        return flight !== undefined && (flight.params.sequenceKey ?? uri) === uri;
    }

    private stopTypingPrefill(uri: string): void {
        this.typingPrefills.get(uri)?.controller.abort();
        this.typingPrefills.delete(uri);
    }

    /** The editor showed a suggestion this engine returned. */
    notifyShown(_outcome?: CompletionOutcome): void {
        this.totals.shown++;
    }

    /** The user accepted a suggestion this engine returned. */
    notifyAccepted(_outcome?: CompletionOutcome): void {
        this.totals.accepted++;
    }

    /** Forgets a closed document: aborts its generation and drops its cache entries. */
    forgetDocument(uri: string): void {
        this.flights.get(uri)?.abort();
        this.flights.delete(uri);
        this.stopTypingPrefill(uri);
        this.lastPrompts.delete(uri);
        this.lastPrompts.delete(firstLookKey(uri));
        this.cache.forgetDocument(uri);
        this.debounce.forgetDocument(uri);
    }

    /** How much per-document state the engine holds now (the soak test checks each against its bound). */
    get stateSizes(): { readonly cachedSuggestions: number; readonly flights: number; readonly documentsWithPrompt: number; readonly typingPrefills: number } {
        return { cachedSuggestions: this.cache.size, flights: this.flights.size, documentsWithPrompt: this.lastPrompts.size, typingPrefills: this.typingPrefills.size };
    }

    /** Aborts every generation in flight. */
    dispose(): void {
        for (const flight of this.flights.values()) flight.abort();
        this.flights.clear();
        for (const uri of [...this.typingPrefills.keys()]) this.stopTypingPrefill(uri);
        this.evictions?.dispose();
    }

    /**
     * When a running generation may show its first part (GenerationFlightParams.parts), once
     * `spentMs` of the latency budget went by before the model call (the debounce): a pause that
     * outlasts the budget by a little still gets ghost text.
     */
    private partsAfter(spentMs: number): { parts?: { firstLineAfterMs: number; budgetMs: number } } {
        const budgetMs = this.settings.latencyBudgetMs;
        if (budgetMs <= 0) return {};
        return { parts: { firstLineAfterMs: Math.min(FIRST_LINE_AFTER_MS, budgetMs), budgetMs: Math.max(0, budgetMs - spentMs) } };
    }

    /**
     * The first look (settings.firstLookTokens): while the whole window's prompt is mostly not in
     * the document's KV cache (more than twice the first look's tokens to read), the request for
     * a short window on a sequence of its own; undefined otherwise. Its window start is as stable
     * as the whole window's, so the keystrokes that follow reuse its cache too.
     */
    private firstLookFor(request: CompletionRequest, whole: PreparedRequest): PreparedRequest | undefined {
        const tokens = this.settings.firstLookTokens;
        if (tokens <= 0 || !this.settings.prefillWhileTyping) return undefined;
        const cached = commonPrefixLength(this.lastPrompts.get(request.document.uri) ?? "", whole.prompt);
        if (estimateTextTokens(whole.prompt.slice(cached)) <= 2 * tokens) return undefined;
        // Project context would take most of so small a window: the file's own lines only.
        return this.prepare(request.document, request.position, NO_PROJECT_CONTEXT, tokens);
    }

    private maxTokensFor(prepared: PreparedRequest): number {
        return prepared.mode.mode === "multiLine" ? this.settings.maxTokens : Math.min(this.settings.maxTokens, this.settings.singleLineMaxTokens);
    }

    /** The window, prompt, mode and rule contexts for a position: the per-keystroke work. */
    private prepare(document: DocumentSnapshot, position: Position, projectContext = NO_PROJECT_CONTEXT, windowTokens?: number): PreparedRequest {
        const settings = this.settings;
        const tabSize = tabSizeOf(document);
        // The context was rendered within its own share of the budget; the file gets the rest.
        const window = computePrefixWindow(document, position, {
            budgetTokens: Math.max(16, (windowTokens ?? promptBudgetTokens(settings)) - projectContext.estimatedTokens),
            stepLines: windowTokens === undefined ? settings.windowStepLines : windowStepLinesFor(windowTokens, settings.windowStepLines),
            headerShare: settings.headerShare,
        });
        const prompt = projectContext.text + buildPhi2Prompt(document, window);
        const mode = chooseCompletionMode(document, position, settings.multiline, tabSize);
        const line = document.lineAt(position.line);
        const textBeforeCursor = line.slice(0, position.character);
        const restOfLine = line.slice(position.character);
        const followingLines: string[] = [];
        let nextDocumentLine: string | undefined;
        const scanEnd = Math.min(document.lineCount, position.line + 1 + NEXT_LINE_SCAN);
        for (let index = position.line + 1; index < scanEnd; index++) {
            const text = document.lineAt(index);
            if (followingLines.length < FOLLOWING_LINES) followingLines.push(text);
            if (nextDocumentLine === undefined && !isBlank(text)) nextDocumentLine = text;
            if (nextDocumentLine !== undefined && followingLines.length >= FOLLOWING_LINES) break;
        }
        // The block the suggestion must stay in: the cursor's indentation on a blank line; deeper
        // than the header line at the end of `if x:|`; the line's own indentation inside a line.
        const lineIndent = indentWidth(leadingWhitespace(line), tabSize);
        const blockIndent = isBlank(textBeforeCursor) ? indentWidth(textBeforeCursor, tabSize)
            : mode.because === "opensBlock" ? lineIndent + 1
                : lineIndent;
        const docstringQuote = mode.because === "docstring" ? (textBeforeCursor.trimEnd().endsWith("'''") ? "'''" : '"""') : undefined;
        return {
            window,
            context: projectContext,
            prompt,
            mode,
            stopContext: { mode: mode.mode, blockIndent, tabSize, openStringQuote: docstringQuote, nextDocumentLine, contentRules: this.settings.stopRules !== "minimal" },
            postprocess: { textBeforeCursor, restOfLine, followingLines, indent: document.indent, omittedIndentation: omittedCursorIndentation(textBeforeCursor) },
        };
    }

    /** Serves a request from a generation in flight; undefined when its text turned out not to match. */
    private async serveFromFlight(request: CompletionRequest, prepared: PreparedRequest, timing: Timing, flight: GenerationFlight): Promise<CompletionOutcome | undefined> {
        const modelStart = this.now();
        const typed = prepared.prompt.slice(flight.prompt.length);
        const source: CompletionSource = typed.length === 0 ? "model" : "typedAhead";
        /** What of the flight's text is left after what the user typed (undefined: it does not continue it). */
        const rest = (text: string): string | undefined => (typed.length === 0 ? text : typedAheadRemainder(flight.prompt, text, prepared.prompt));
        const first = await flight.attach(request.signal, { acceptPart: true, typed });
        if (isPart(first)) {
            const remainingPart = rest(first.text);
            if (remainingPart !== undefined) {
                timing.modelMs += this.now() - modelStart;
                return this.finishPart(request, prepared, timing, flight, remainingPart, source);
            }
        }
        // Typed beyond the part shown: what follows comes with the whole result, unless it writes something else.
        const result = isPart(first) ? await flight.attach(request.signal, { acceptPart: false, typed }) : first;
        timing.modelMs += this.now() - modelStart;
        if (result === "cancelled") return this.noSuggestion(request, prepared, timing, "cancelled");
        const remaining = result === "diverged" ? undefined : rest(result.text);
        if (result === "diverged" || remaining === undefined) { // testing "diverged" too narrows result for finish()
            // It wrote something else than the user typed: the newer request wins (single flight).
            flight.abort();
            if (this.flights.get(request.document.uri) === flight) this.flights.delete(request.document.uri);
            return undefined;
        }
        if (source === "typedAhead") this.totals.typedAheadHits++;
        return this.finish(request, prepared, timing, { text: remaining, source, cuts: typed.length === 0 ? stopCuts(result) : [], flight: result });
    }

    /** A first part of a running generation (it goes on; see Continuation). */
    private finishPart(request: CompletionRequest, prepared: PreparedRequest, timing: Timing, flight: GenerationFlight, text: string, source: CompletionSource): CompletionOutcome {
        if (source === "typedAhead") this.totals.typedAheadHits++;
        const outcome = this.finish(request, prepared, timing, { text, source, cuts: [] });
        const shownLength = prepared.prompt.length + text.length;
        const ended = flight.done.then((end): ContinuationEnd => ({
            counters: end.result.counters,
            text: end.text,
            longer: end.result.stopReason !== "cancelled" && flight.prompt.length + end.text.length > shownLength,
        }));
        ended.catch(() => undefined); // a host error reaches whoever waits for it, not the process
        return { ...outcome, continuation: { ended, ...(flight.firstLinePending ? { lineCompleted: flight.firstLineComplete } : {}) } };
    }

    private finish(
        request: CompletionRequest,
        prepared: PreparedRequest,
        timing: Timing,
        produced: { text: string; source: CompletionSource; cuts: RuleEffect[]; flight?: FlightResult },
    ): CompletionOutcome {
        const cuts = [...produced.cuts];
        const processed = postprocessSuggestion(produced.text, prepared.postprocess);
        cuts.push(...processed.effects);
        let text = processed.text;
        let guardStats: CompletionStats["syntaxGuard"];
        let reason: NoSuggestionReason | undefined;
        if (text.length === 0) {
            const cutSomething = cuts.some((cut) => !isBlank(cut.removed));
            reason = isBlank(produced.text) && !cutSomething ? "noModelText" : "cutByRules";
        } else if (this.syntaxGuard) {
            const guardStart = this.now();
            const block = enclosingBlockSource(request.document, request.position);
            const verdict = this.syntaxGuard.check({ before: block.before, insertText: text, after: block.after, timeBudgetMs: guardTimeBudgetMs(timing.modelMs) });
            guardStats = {
                action: verdict.action, errorsWithout: verdict.errorsWithout, errorsWith: verdict.errorsWith, parses: verdict.parses,
                ...(verdict.outOfTime ? { outOfTime: true } : {}), ms: this.now() - guardStart,
            };
            if (verdict.action !== "kept") {
                cuts.push({ rule: "syntaxGuard", removed: text.slice(verdict.text.length) });
                if (verdict.action === "cut") this.totals.cutBySyntaxGuard++;
                else this.totals.droppedBySyntaxGuard++;
                text = verdict.text;
                if (text.length === 0) reason = "syntaxGuard";
            }
        }
        const stats = this.stats(request, prepared, timing, {
            source: produced.source,
            cuts,
            rawText: produced.text,
            counters: produced.flight?.result.counters,
            stopReason: produced.flight?.result.stopReason,
            syntaxGuard: guardStats,
        });
        if (reason !== undefined) return { stats, reason };
        this.totals.suggestionsReturned++;
        const insertText = request.document.eol === "\n" ? text : text.replace(/\n/g, request.document.eol);
        return { suggestion: { insertText, range: { start: request.position, end: request.position } }, stats };
    }

    private noSuggestion(request: CompletionRequest, prepared: PreparedRequest, timing: Timing, reason: NoSuggestionReason): CompletionOutcome {
        return { stats: this.stats(request, prepared, timing, { cuts: [] }), reason };
    }

    private stats(
        request: CompletionRequest,
        prepared: PreparedRequest,
        timing: Timing,
        details: Pick<CompletionStats, "source" | "cuts" | "rawText" | "counters" | "stopReason" | "syntaxGuard">,
    ): CompletionStats {
        const latencyMs = this.now() - timing.startedAt;
        return {
            trigger: request.trigger,
            mode: prepared.mode.mode,
            modeBecause: prepared.mode.because,
            ...details,
            prompt: {
                characters: prepared.prompt.length,
                estimatedTokens: prepared.window.estimatedTokens,
                windowStartLine: prepared.window.startLine,
                headerLines: prepared.window.headerEndLine,
                contextTokens: prepared.context.estimatedTokens,
            },
            latencyMs,
            modelMs: timing.modelMs,
            debounceMs: timing.debounceMs,
            overheadMs: Math.max(0, latencyMs - timing.modelMs - timing.debounceMs),
        };
    }
}

/** The KV sequence of a document's first look (settings.firstLookTokens): not the document's own, which reads the whole window meanwhile. */
export function firstLookKey(uri: string): string {
    return `${uri}#firstLook`;
}

function isPart(result: FlightResult | FlightPart | "cancelled" | "diverged"): result is FlightPart {
    return typeof result === "object" && "kind" in result && result.kind === "part";
}

function stopCuts(result: FlightResult): RuleEffect[] {
    return result.cut ? [{ rule: `stop:${result.cut.rule}`, removed: result.cut.removed }] : [];
}
