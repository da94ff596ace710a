// The real-time replay (`bench --realtime`): a simulated person types functions of real Python files
// on the WALL CLOCK, through the same CompletionEngine (real debounce timers, flights, cache, syntax
// guard) and the same model host as the extension, so what the model costs is what the person waits.
// Keystrokes come in bursts ~90-250 ms apart, with reading and thinking pauses of 0.5-5 s, accepts
// of suggestions that match, a jump to another function of the file and a switch to another file.
// For every pause it records whether ghost text appeared and when, as the editor would show it.
import { CompletionEngine, firstLookKey } from "../core/completion/CompletionEngine";
import type { CompletionOutcome, NoSuggestionReason } from "../core/completion/CompletionEngine";
import { ContinuationReask } from "../core/completion/ContinuationReask";
import type { MeasuredSpeed } from "../core/completion/machineTuning";
import type { CompletionSettings } from "../core/completion/CompletionSettings";
import { SpeedEstimate } from "../core/completion/SpeedEstimate";
import type { GenerationCounters } from "../core/types";
import { CountingGenerator, type CountedCall } from "./CountingGenerator";
import { distributionOf } from "./percentiles";
import type { Distribution } from "./percentiles";
import type { PythonFunction } from "./pythonCorpus";
import type { RealtimeOptionsBase } from "./replayOptions";
import { TypedDocument } from "./TypedDocument";
import { DEFAULT_RHYTHM, Typist } from "./Typist";
import type { TypistRhythm } from "./Typist";

/** A pause of at least this long is one the user expects ghost text in (the issue's `realtime.pauses`). */
export const LONG_PAUSE_MS = 2000;
/** Shorter pauses from this length on are counted separately (a suggestion there is a bonus). */
export const SHORT_PAUSE_MS = 500;
/** Thinking pauses of 0.5-5 s before ~4% of keystrokes, on top of the reading pause after Enter. */
export const REALTIME_RHYTHM: TypistRhythm = { ...DEFAULT_RHYTHM, thinkPause: 0.04, thinkPauseMs: [500, 5000] };
/** As the extension's BackgroundPrefill: the cursor arrived somewhere, a prefill starts after this pause. */
const PREFILL_IDLE_DELAY_MS = 300;
/** How often the model host's RSS is sampled. */
const RSS_SAMPLE_MS = 1000;

/** The model's speed on this machine (measured by modelSpeed.ts). */
export type ModelSpeed = MeasuredSpeed;

export interface RealtimeOptions extends RealtimeOptionsBase {
    /** Places to type, in order (the replay moves on when a place's time share is over). */
    readonly places: readonly PythonFunction[];
    /** The model's measured speed on this machine, for the physical floor. */
    readonly speed: ModelSpeed;
    /**
     * Self-tuning as in the extension: the speed estimate follows every call's counters and the
     * settings are derived again when it moves (absent: the settings stay as given).
     */
    readonly retune?: (speed: MeasuredSpeed) => CompletionSettings;
    /**
     * Ask again as soon as a part's line is complete (Continuation.lineCompleted), as the provider
     * does; false: only when the generation ends, as before (default true).
     */
    readonly reaskOnLineEnd?: boolean;
}

export interface PlaceReport {
    readonly file: string;
    readonly function: string;
    readonly line: number;
    /** "start", "jump" (same file) or "switch" (another file). */
    readonly arrival: "start" | "jump" | "switch";
    readonly typedCharacters: number;
    /** Prompt tokens of the first model call at the place, and how many it evaluated. */
    readonly firstCallPromptTokens: number | null;
    readonly firstCallEvaluatedTokens: number | null;
    /** What the first model call that got through its prompt generated, and why it stopped. */
    readonly firstCompletedCall: { readonly generatedTokens: number; readonly stopReason: string; readonly promptMs: number } | null;
    /** From the first keystroke at the place to its first ghost text (null: none while there). */
    readonly firstGhostTextAfterMs: number | null;
}

export interface RealtimeReport {
    readonly durationMs: number;
    readonly keystrokes: number;
    readonly typedCharacters: number;
    readonly placesVisited: readonly PlaceReport[];
    /** Pauses of 2 s or more, and those in which ghost text appeared. */
    readonly pauses: number;
    readonly pausesWithSuggestion: number;
    readonly pausesWithSuggestionRatio: number;
    /** Pauses of 2 s or more whose first ghost text was the start of a line (the latency budget ran out first). */
    readonly pausesWithPartialLine: number;
    /** For those: from the pause's start to the whole line on screen, when it came within the pause (count: how many). */
    readonly wholeLineAfterPartialMs: Distribution;
    /** Pauses of 0.5-2 s, and those with ghost text. */
    readonly shortPauses: number;
    readonly shortPausesWithSuggestion: number;
    /** Pauses of 2 s or more without ghost text, by what their request was doing when they ended (MissedPauseReason). */
    readonly pausesWithoutSuggestionBy: Readonly<Record<string, number>>;
    /** Each of them: its length, the cause, and for a running model call when it started and when its first text came (from the pause's start). */
    readonly pausesWithoutSuggestion: readonly { readonly lengthMs: number; readonly because: string; readonly modelCallAfterMs?: number; readonly firstTextAfterMs?: number }[];
    /** From the start of a pause of 2 s or more to its ghost text. */
    readonly firstGhostTextMs: Distribution;
    /** Per suggestion shown from a model call: new prompt tokens / prompt speed + tokens to its first line end (or a first part's end) / generation speed. */
    readonly physicalFloorMs: Distribution;
    /** The same floor for the suggestions behind firstGhostTextMs only. */
    readonly pausePhysicalFloorMs: Distribution;
    /**
     * For those pauses whose ghost text came from a model call made in the pause: when the call
     * started (after the debounce and the engine's own work) and when its first text came, from
     * the pause's start. What the time to ghost text is made of.
     */
    readonly pauseModelCallAfterMs: Distribution;
    readonly pauseFirstTextAfterMs: Distribution;
    readonly suggestionsShown: number;
    readonly accepted: number;
    readonly modelCalls: number;
    readonly prefills: number;
    readonly generatedTokens: number;
    readonly wastedGeneratedTokens: number;
    /** Tokens generated for suggestions never shown / all generated. */
    readonly wastedGeneratedTokensRatio: number;
    /**
     * The wasted tokens by the length of the gap between the user's actions that their model call
     * started in (a gap the replay ended counts to its end): where the waste goes.
     */
    readonly wastedByGap: readonly WastedInGap[];
    readonly promptTokensEvaluated: number;
    readonly prefillTokensEvaluated: number;
    /** Model calls by stop reason (timeCap, stopRule, maxTokens, cancelled ...). */
    readonly stopReasons: Readonly<Record<string, number>>;
    /** Model calls that were cut (time cap or cancel) before generating anything. */
    readonly callsWithoutText: number;
    readonly hostRssMb: { readonly max: number; readonly p50: number };
    /** Speeds seen in the run's own requests (evaluated / prefill time, generated / generation time). */
    readonly observedPromptTokensPerS: number;
    readonly observedGeneratedTokensPerS: number;
    /** With self-tuning: when the speed estimate moved, and the prompt window derived from it. */
    readonly retunes: readonly { readonly atMs: number; readonly speed: MeasuredSpeed; readonly maxPromptTokens: number }[];
}

export interface WastedInGap {
    /** "<0.5 s", "0.5-1 s", "1-2 s" or ">=2 s". */
    readonly gap: string;
    readonly calls: number;
    readonly wastedTokens: number;
}

/** Upper ends of the gap buckets of wastedByGap (ms), and their names. */
const WASTE_GAP_BUCKETS: readonly { readonly belowMs: number; readonly gap: string }[] = [
    { belowMs: SHORT_PAUSE_MS, gap: "<0.5 s" }, { belowMs: 1000, gap: "0.5-1 s" }, { belowMs: LONG_PAUSE_MS, gap: "1-2 s" }, { belowMs: Infinity, gap: ">=2 s" },
];

interface ActiveRequest {
    readonly controller: AbortController;
    readonly promise: Promise<CompletionOutcome>;
    readonly startedAt: number;
    outcome: CompletionOutcome | undefined;
    handled: boolean;
    /**
     * The editor's re-ask for the longer version of a first part that showed nothing (rules or the
     * syntax guard dropped it): the generation it comes from, whose tokens its suggestion shows.
     */
    origin?: { readonly counters: GenerationCounters; readonly text: string };
    /** The editor's re-ask at the same place (not a keystroke's request). */
    reask?: boolean;
}

interface PauseRecord {
    readonly lengthMs: number;
    ghostTextAfterMs: number | undefined;
    floorMs: number | undefined;
    /** Its first ghost text was the start of a line; and when the whole line came (from the pause's start). */
    firstWasPartialLine?: boolean;
    wholeLineAfterMs?: number;
    /** A pause that ended without ghost text: what its request was doing then (MissedPauseReason). */
    missedBecause?: MissedPauseReason;
    /**
     * From the pause's start: when the model call behind its ghost text started and wrote its first
     * text, or, for a pause that ended without, the running call's.
     */
    modelCallAfterMs?: number;
    firstTextAfterMs?: number;
}

/**
 * Why a pause ended without ghost text: the request's no-suggestion reason when it had answered
 * (`syntaxGuard`, `noModelText`, `cutByRules` ...; `late`: a suggestion that came after the pause
 * ended), or what the document's model call was doing when the pause ended: none yet
 * (`debounce`), `readingPrompt` (also while queued in the host) or `generating` (nothing showable
 * yet). That call may be an older one the request waits on (a negative modelCallAfterMs).
 */
type MissedPauseReason = NoSuggestionReason | "late" | "debounce" | "readingPrompt" | "generating" | "noRequest";

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

export async function runRealtimeReplay(options: RealtimeOptions): Promise<RealtimeReport> {
    const counting = new CountingGenerator(options.generator);
    const engine = new CompletionEngine(counting, { settings: options.settings, syntaxGuard: options.syntaxGuard });
    const retune = options.retune;
    const retunes: { readonly atMs: number; readonly speed: MeasuredSpeed; readonly maxPromptTokens: number }[] = [];
    if (retune) {
        const estimate = new SpeedEstimate(options.speed);
        counting.onCounters = (counters) => {
            if (!estimate.record(counters) || !estimate.current) return;
            const settings = retune(estimate.current);
            engine.updateSettings(settings);
            retunes.push({ atMs: Math.round(performance.now() - started), speed: estimate.current, maxPromptTokens: settings.maxPromptTokens });
        };
    }
    const started = performance.now();
    const deadline = started + options.durationMs;
    const shownCounters = new Set<GenerationCounters>();
    const floors: number[] = [];
    const pauses: PauseRecord[] = [];
    const places: PlaceReport[] = [];
    const rssSamples: number[] = [];
    let keystrokes = 0;
    /** When each of the user's actions happened, and when each place's typing ended (performance.now()). */
    const actionTimes: number[] = [];
    let typedCharacters = 0;
    let shownCount = 0;
    let accepted = 0;

    let sampling = true;
    const sampler = (async () => {
        while (sampling) {
            rssSamples.push(await options.hostRssBytes().catch(() => 0));
            await sleep(RSS_SAMPLE_MS);
        }
    })();

    /** The floor of a suggestion from the generation behind `counters` that wrote `raw`: its prompt, then the tokens to its first line end. */
    const floorFor = (counters: GenerationCounters, raw: string): number => {
        const newline = raw.indexOf("\n", raw.search(/\S/));
        const firstLineShare = newline < 0 || raw.length === 0 ? 1 : (newline + 1) / raw.length;
        const tokensToLineEnd = Math.max(1, Math.round(counters.generatedTokens * firstLineShare));
        return (counters.evaluatedTokens / options.speed.promptTokensPerS + tokensToLineEnd / options.speed.generatedTokensPerS) * 1000;
    };
    const floorOf = (outcome: CompletionOutcome): number => {
        const counters = outcome.stats.counters;
        if (!counters || outcome.stats.source !== "model") return 0; // typed ahead or cached: nothing to compute
        return floorFor(counters, outcome.stats.rawText ?? "");
    };

    /** The floor of a first part: its prompt, then the tokens up to the part's end (a share of the generation's). */
    const partFloorOf = (outcome: CompletionOutcome, counters: GenerationCounters, text: string): number => {
        const shown = outcome.stats.rawText ?? "";
        const share = text.length > 0 ? Math.min(1, shown.length / text.length) : 1;
        const tokens = Math.max(1, Math.round(counters.generatedTokens * share));
        return (counters.evaluatedTokens / options.speed.promptTokensPerS + tokens / options.speed.generatedTokensPerS) * 1000;
    };

    const request = (document: TypedDocument): ActiveRequest => {
        const controller = new AbortController();
        const promise = engine.complete({ document: document.snapshot(), position: document.position, signal: controller.signal, trigger: "automatic" });
        const active: ActiveRequest = { controller, promise, startedAt: performance.now(), outcome: undefined, handled: false };
        promise.then((outcome) => { active.outcome = outcome; }, () => undefined);
        return active;
    };

    // The editor asks again at the same place when a first part's line is complete and when its
    // longer version is ready (the extension's inline-suggest trigger), also when the part showed
    // nothing (the provider follows every continuation: the whole line may be one the rules and
    // the guard keep). The replay does the same if nothing was typed since.
    let longerRequest: ActiveRequest | undefined;
    let currentDocument: TypedDocument | undefined;
    let wakeWaiter: (() => void) | undefined;
    /** The provider's rule for asking again (one document is typed at a time: one key). */
    const reask = new ContinuationReask<"typed">({ onLineCompleted: options.reaskOnLineEnd });
    const pendingEnds: Promise<void>[] = [];
    const followContinuation = (outcome: CompletionOutcome, document: TypedDocument, pause: PauseRecord | undefined, floorIndex: number | undefined): void => {
        const continuation = outcome.continuation;
        if (!continuation) return;
        const keystrokesAtShow = keystrokes;
        const partShown = outcome.suggestion !== undefined;
        // Registered before the re-ask's own handler: the floor is in place when the re-ask runs.
        pendingEnds.push(continuation.ended.then((end) => {
            if (!partShown) return;
            shownCounters.add(end.counters);
            if (floorIndex !== undefined) {
                const floor = partFloorOf(outcome, end.counters, end.text);
                floors[floorIndex] = floor;
                if (pause && pause.floorMs === 0) pause.floorMs = floor;
            }
        }, () => undefined));
        reask.follow("typed", continuation, () => keystrokes === keystrokesAtShow && document === currentDocument, (cause) => {
            const again = request(document); // the request object itself: its outcome is set on it
            again.reask = true;
            // A suggestion from the cache has no counters: the generation it shows is this one.
            if (cause.kind === "longer" && !partShown) again.origin = { counters: cause.end.counters, text: cause.end.text };
            longerRequest = again;
            wakeWaiter?.();
        });
    };

    /** Waits until `until` (wall clock) or until the active request shows ghost text, whichever is first. */
    const waitUntil = async (until: number, first: ActiveRequest | undefined): Promise<ActiveRequest | undefined> => {
        let active = first;
        for (;;) {
            if (longerRequest) {
                active = longerRequest;
                longerRequest = undefined;
            }
            const left = until - performance.now();
            if (active && !active.handled) {
                if (active.outcome === undefined) {
                    if (left <= 0) return undefined;
                    await Promise.race([active.promise.catch(() => undefined), sleep(left)]);
                    continue;
                }
                active.handled = true;
                reask.forget("typed");
                if (active.outcome.suggestion) return active;
                if (currentDocument) followContinuation(active.outcome, currentDocument, undefined, undefined);
            }
            if (left <= 0) return undefined;
            await new Promise<void>((resolve) => {
                const timer = setTimeout(resolve, left);
                wakeWaiter = () => {
                    clearTimeout(timer);
                    resolve();
                };
            });
            wakeWaiter = undefined;
        }
    };

    const endPause = (record: PauseRecord, active: ActiveRequest | undefined, document: TypedDocument): PauseRecord => {
        if (record.ghostTextAfterMs !== undefined) return record;
        if (!active) return { ...record, missedBecause: "noRequest" };
        if (active.outcome) return { ...record, missedBecause: active.outcome.suggestion ? "late" : active.outcome.reason ?? "cancelled" };
        const live = counting.phaseOf(sequenceKeysOf(document));
        if (!live) return { ...record, missedBecause: "debounce" };
        return {
            ...record,
            missedBecause: live.phase,
            modelCallAfterMs: Math.round(live.startedAt - active.startedAt),
            ...(live.firstTextAt !== undefined ? { firstTextAfterMs: Math.round(live.firstTextAt - active.startedAt) } : {}),
        };
    };

    const share = options.durationMs / Math.max(1, options.places.length);
    for (let index = 0; index < options.places.length && performance.now() < deadline; index++) {
        const fn = options.places[index]!;
        const placeDeadline = Math.min(deadline, started + share * (index + 1));
        const arrival = index === 0 ? "start" : options.places[index - 1]!.file.path === fn.file.path ? "jump" : "switch";
        options.progress?.(`realtime ${index + 1}/${options.places.length} (${arrival}): ${fn.name} (${fn.file.path}:${fn.startLine + 1}, ${fn.text.length} characters)`);
        const original = fn.file.lines;
        const lines = [...original.slice(0, fn.startLine), fn.indent, ...original.slice(fn.endLine)];
        const document = new TypedDocument(`file://${fn.file.path}`, lines, { line: fn.startLine, character: fn.indent.length });
        currentDocument = document;
        const typist = new Typist(fn.text, options.random, REALTIME_RHYTHM);
        counting.place = index;
        let placeTyped = 0;
        let firstKeystrokeAt: number | undefined;
        let firstGhostTextAfterMs: number | undefined;

        // The cursor arrived: the extension's background prefill starts after a short pause and
        // stops at the first keystroke (the requests that follow continue where it got to).
        const prefillController = new AbortController();
        const prefillTimer = setTimeout(() => {
            engine.prefill(document.snapshot(), document.position, prefillController.signal).catch(() => undefined);
        }, PREFILL_IDLE_DELAY_MS);

        let active: ActiveRequest | undefined;
        let lastActionAt = performance.now() + options.random.between(800, 2000); // reading the place first
        let planned = typist.next();
        // Arriving is not a pause to fill: the editor asks for nothing before the first keystroke.
        let pause: PauseRecord | undefined;
        while (planned && performance.now() < placeDeadline) {
            const dueAt = Math.min(lastActionAt + planned.delayMs, placeDeadline);
            const shown = await waitUntil(dueAt, active);
            if (shown) {
                const outcome = shown.outcome!;
                shownCount++;
                engine.notifyShown(outcome);
                if (outcome.stats.counters) shownCounters.add(outcome.stats.counters);
                if (shown.origin) shownCounters.add(shown.origin.counters);
                const floor = shown.origin ? floorFor(shown.origin.counters, shown.origin.text) : floorOf(outcome);
                // A re-ask shows more of a generation whose first suggestion gave the floor already (one per generation).
                const ownFloor = !shown.reask || shown.origin !== undefined;
                if (ownFloor) floors.push(floor);
                const now = performance.now();
                const fillsPause = pause !== undefined && pause.ghostTextAfterMs === undefined;
                const partialLine = outcome.continuation?.lineCompleted !== undefined;
                if (pause && fillsPause) {
                    pause.ghostTextAfterMs = now - lastActionAt;
                    pause.floorMs = floor;
                    pause.firstWasPartialLine = partialLine;
                    const call = outcome.stats.source === "model" ? counting.latestGenerateTimes(sequenceKeysOf(document)) : undefined;
                    if (call && call.startedAt >= lastActionAt) {
                        pause.modelCallAfterMs = Math.round(call.startedAt - lastActionAt);
                        if (call.firstTextAt !== undefined) pause.firstTextAfterMs = Math.round(call.firstTextAt - lastActionAt);
                    }
                } else if (pause?.firstWasPartialLine && !partialLine && pause.wholeLineAfterMs === undefined) {
                    pause.wholeLineAfterMs = now - lastActionAt;
                }
                followContinuation(outcome, document, fillsPause ? pause : undefined, ownFloor && outcome.continuation && outcome.stats.source === "model" ? floors.length - 1 : undefined);
                if (firstKeystrokeAt !== undefined && firstGhostTextAfterMs === undefined) firstGhostTextAfterMs = now - firstKeystrokeAt;
                typist.react(outcome.suggestion!.insertText, document);
                if (typist.busyReacting) {
                    lastActionAt = now;
                    planned = typist.next();
                    // A reaction ends the pause: the user saw the ghost text and acts on it.
                    if (pause) pauses.push(pause);
                    pause = undefined;
                }
                continue;
            }
            if (performance.now() >= placeDeadline) break;
            if (pause) pauses.push(endPause(pause, active, document));
            if (active && !active.outcome) active.controller.abort(); // the new keystroke cancels it
            if (firstKeystrokeAt === undefined) {
                firstKeystrokeAt = performance.now();
                clearTimeout(prefillTimer);
                prefillController.abort();
            }
            const action = planned.action;
            typist.perform(action, document);
            keystrokes++;
            actionTimes.push(performance.now());
            if (action.kind === "type" || action.kind === "typeJunk") {
                typedCharacters += action.text.length;
                placeTyped += action.text.length;
            }
            if (action.kind === "accept") {
                engine.notifyAccepted(active?.outcome);
                accepted++;
            }
            active = request(document);
            lastActionAt = performance.now();
            planned = typist.next();
            pause = plannedPause(planned?.delayMs);
        }
        clearTimeout(prefillTimer);
        prefillController.abort();
        actionTimes.push(performance.now());
        if (active && !active.outcome) active.controller.abort();
        if (pause && planned === undefined) pauses.push(endPause(pause, active, document)); // the end of the function is a pause too
        places.push({
            file: fn.file.path, function: fn.name, line: fn.startLine + 1, arrival, typedCharacters: placeTyped,
            firstCallPromptTokens: null, firstCallEvaluatedTokens: null, firstCompletedCall: null,
            firstGhostTextAfterMs: firstGhostTextAfterMs === undefined ? null : Math.round(firstGhostTextAfterMs),
        });
    }
    engine.dispose();
    await counting.whenIdle();
    await Promise.all(pendingEnds);
    sampling = false;
    await sampler;
    // Calls finish after the place they started at (a cancel settles between prefill chunks): match them by the place tag.
    const placesVisited = places.map((place, index): PlaceReport => {
        const calls = counting.calls.filter((call) => call.kind === "generate" && call.place === index);
        const firstCall = calls[0];
        const completed = calls.find((call) => call.stopReason !== "cancelled");
        return {
            ...place,
            firstCallPromptTokens: firstCall?.counters.promptTokens ?? null,
            firstCallEvaluatedTokens: firstCall?.counters.evaluatedTokens ?? null,
            firstCompletedCall: completed ? { generatedTokens: completed.counters.generatedTokens, stopReason: completed.stopReason ?? "unknown", promptMs: Math.round(completed.counters.prefillMs) } : null,
        };
    });

    const generates = counting.calls.filter((call) => call.kind === "generate");
    const prefillCalls = counting.calls.filter((call) => call.kind === "prefill");
    const generatedTokens = sum(generates.map((call) => call.counters.generatedTokens));
    const wastedCalls = generates.filter((call) => !shownCounters.has(call.counters));
    const wasted = sum(wastedCalls.map((call) => call.counters.generatedTokens));
    const stopReasons = countBy(generates.map((call) => call.stopReason ?? "unknown"));
    const long = pauses.filter((record) => record.lengthMs >= LONG_PAUSE_MS);
    const short = pauses.filter((record) => record.lengthMs >= SHORT_PAUSE_MS && record.lengthMs < LONG_PAUSE_MS);
    const longWithText = long.filter((record) => record.ghostTextAfterMs !== undefined);
    const missed = long.filter((record) => record.missedBecause !== undefined).map((record) => ({
        lengthMs: Math.round(record.lengthMs), because: record.missedBecause!,
        ...(record.modelCallAfterMs !== undefined ? { modelCallAfterMs: record.modelCallAfterMs } : {}),
        ...(record.firstTextAfterMs !== undefined ? { firstTextAfterMs: record.firstTextAfterMs } : {}),
    }));
    const allCalls = counting.calls;
    const evaluatedTotal = sum(allCalls.map((call) => call.counters.evaluatedTokens));
    const prefillMsTotal = sum(allCalls.map((call) => call.counters.prefillMs));
    const rssMb = rssSamples.filter((bytes) => bytes > 0).map((bytes) => bytes / (1024 * 1024));
    const rss = distributionOf(rssMb, 0);
    return {
        durationMs: Math.round(performance.now() - started),
        keystrokes,
        typedCharacters,
        placesVisited,
        pauses: long.length,
        pausesWithSuggestion: longWithText.length,
        pausesWithSuggestionRatio: long.length > 0 ? round(longWithText.length / long.length, 3) : 0,
        pausesWithPartialLine: long.filter((record) => record.firstWasPartialLine).length,
        wholeLineAfterPartialMs: distributionOf(long.filter((record) => record.firstWasPartialLine && record.wholeLineAfterMs !== undefined).map((record) => record.wholeLineAfterMs!), 0),
        shortPauses: short.length,
        shortPausesWithSuggestion: short.filter((record) => record.ghostTextAfterMs !== undefined).length,
        pausesWithoutSuggestionBy: countBy(missed.map((pause) => pause.because)),
        pausesWithoutSuggestion: missed,
        firstGhostTextMs: distributionOf(longWithText.map((record) => record.ghostTextAfterMs!), 0),
        // Typed-ahead and cached suggestions cost no model time (floor 0): the floor is the model's.
        physicalFloorMs: distributionOf(floors.filter((floor) => floor > 0), 0),
        pausePhysicalFloorMs: distributionOf(longWithText.map((record) => record.floorMs ?? 0), 0),
        pauseModelCallAfterMs: distributionOf(longWithText.flatMap((record) => (record.modelCallAfterMs === undefined ? [] : [record.modelCallAfterMs])), 0),
        pauseFirstTextAfterMs: distributionOf(longWithText.flatMap((record) => (record.firstTextAfterMs === undefined ? [] : [record.firstTextAfterMs])), 0),
        suggestionsShown: shownCount,
        accepted,
        modelCalls: generates.length,
        prefills: prefillCalls.length,
        generatedTokens,
        wastedGeneratedTokens: wasted,
        wastedGeneratedTokensRatio: generatedTokens > 0 ? round(wasted / generatedTokens, 3) : 0,
        wastedByGap: wastedByGap(wastedCalls, actionTimes),
        promptTokensEvaluated: sum(generates.map((call) => call.counters.evaluatedTokens)),
        prefillTokensEvaluated: sum(prefillCalls.map((call) => call.counters.evaluatedTokens)),
        stopReasons,
        callsWithoutText: generates.filter((call) => call.counters.generatedTokens === 0).length,
        hostRssMb: { max: rss.max, p50: rss.p50 },
        observedPromptTokensPerS: prefillMsTotal > 0 ? round((evaluatedTotal / prefillMsTotal) * 1000, 2) : 0,
        observedGeneratedTokensPerS: rateOf(generatedTokens, sum(generates.map((call) => call.counters.generateMs))),
        retunes,
    };
}

/** The pause before the next action, when it is long enough to count. */
function plannedPause(delayMs: number | undefined): PauseRecord | undefined {
    return delayMs !== undefined && delayMs >= SHORT_PAUSE_MS ? { lengthMs: delayMs, ghostTextAfterMs: undefined, floorMs: undefined } : undefined;
}

/** The KV sequences a document's generations run on: its own, and its first look's. */
function sequenceKeysOf(document: TypedDocument): readonly string[] {
    return [document.uri, firstLookKey(document.uri)];
}

/** Wasted calls and tokens by the length of the gap between actions (sorted times) each call started in. */
function wastedByGap(calls: readonly CountedCall[], actionTimes: readonly number[]): WastedInGap[] {
    const rows = WASTE_GAP_BUCKETS.map((bucket) => ({ gap: bucket.gap, calls: 0, wastedTokens: 0 }));
    for (const call of calls) {
        const next = actionTimes.findIndex((time) => time > call.startedAt);
        if (next <= 0) continue; // before the first action or after the last: no gap of the user's
        const gapMs = actionTimes[next]! - actionTimes[next - 1]!;
        const row = rows[WASTE_GAP_BUCKETS.findIndex((bucket) => gapMs < bucket.belowMs)]!;
        row.calls++;
        row.wastedTokens += call.counters.generatedTokens;
    }
    return rows;
}

function countBy(keys: readonly string[]): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const key of keys) counts[key] = (counts[key] ?? 0) + 1;
    return counts;
}

function rateOf(tokens: number, ms: number): number {
    return ms > 0 ? round((tokens / ms) * 1000, 2) : 0;
}

function sum(values: readonly number[]): number {
    return values.reduce((total, value) => total + value, 0);
}

function round(value: number, decimals: number): number {
    return Number(value.toFixed(decimals));
}
