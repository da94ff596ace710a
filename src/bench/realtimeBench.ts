// `bench --realtime` (with `--phi2-shape` for Phi-2's real cost): the machine's model speed, then
// the wall-clock replay (realtimeReplay.ts), as one JSON object or a readable table with the
// issue's targets. Places: two functions of one standard-library file (a jump between them), then
// functions of another file (a switch), each typed for its share of the run.
import type { CompletionSettings } from "../core/completion/CompletionSettings";
import { DEFAULT_MACHINE_TUNING, tuneCompletionSettings } from "../core/completion/machineTuning";
import type { MachineTuningOptions, MeasuredSpeed } from "../core/completion/machineTuning";
import type { ThreadMeasurement } from "../core/model/threadChoice";
import { measureModelSpeed } from "./modelSpeed";
import type { ModelSpeedReport } from "./modelSpeed";
import type { Distribution } from "./percentiles";
import { findFunctions, readPythonFile } from "./pythonCorpus";
import type { FunctionFilter, PythonFunction } from "./pythonCorpus";
import { runRealtimeReplay } from "./realtimeReplay";
import type { RealtimeReport } from "./realtimeReplay";
import type { SeededRandom } from "./seededRandom";
import type { RealtimeOptionsBase } from "./replayOptions";
import type { TargetCheck } from "./benchReport";

export const REALTIME_FULL_MS = 4 * 60_000;
export const REALTIME_QUICK_MS = 60_000;

/** Functions long enough to type for a minute, short enough to finish in a few. */
const REALTIME_FILTER: FunctionFilter = { minLines: 5, maxLines: 40, minCharacters: 250, maxCharacters: 1500, maxLineLength: 100 };

export interface RealtimeBenchResult {
    readonly version: 1;
    readonly kind: "realtime";
    readonly quick: boolean;
    readonly seed: number;
    /** How busy the machine was (1-minute load average; a model thread gets about cores / load of a core). */
    readonly machine: { readonly cores: number; readonly loadAverageAtStart: number; readonly loadAverageAtEnd: number };
    readonly model: {
        readonly path: string;
        readonly kind: "tiny-random" | "file" | "phi2-shaped";
        readonly contextSize: number;
        readonly threads: number;
        readonly sequences: number;
        readonly loadMs: number;
        /** KV cache memory the layout was fitted to (MiB; 0: none). */
        readonly kvCacheBudgetMb: number;
        readonly threadMeasurements?: readonly ThreadMeasurement[];
    };
    /** The loaded model's speed on this machine (Phi-2's, with --phi2-shape). */
    readonly phi2Shape: ModelSpeedReport;
    readonly settings: Pick<CompletionSettings, "maxTokens" | "singleLineMaxTokens" | "maxPromptTokens" | "timeCapMs" | "latencyBudgetMs" | "latencyBudgetFrom" | "prefillWhileTyping" | "firstLookTokens"> & { readonly debounceMaxMs: number; readonly selfTuned: boolean; readonly coldPromptBudgetMs: number };
    readonly realtime: RealtimeReport;
    readonly targets: readonly TargetCheck[];
    readonly targetsMissed: number;
    readonly durationMs: number;
}

export interface RealtimeBenchInput extends RealtimeOptionsBase {
    readonly stdlibFiles: readonly string[];
    readonly quick: boolean;
    /** Fit the prompt window to the measured speed (machineTuning.ts). */
    readonly selfTune: boolean;
    /** What self-tuning fits the window to (default: the extension's). */
    readonly tuning?: MachineTuningOptions;
    /** See RealtimeOptions.reaskOnLineEnd (default true). */
    readonly reaskOnLineEnd?: boolean;
    /** false: the self-tuning's first look is turned off (CompletionSettings.firstLookTokens 0). */
    readonly firstLook?: boolean;
    readonly progress: (message: string) => void;
}

export async function runRealtimeBench(input: RealtimeBenchInput): Promise<Pick<RealtimeBenchResult, "phi2Shape" | "realtime" | "settings">> {
    const places = await pickRealtimePlaces(input.stdlibFiles, input.quick ? 1 : 2, input.random);
    if (places.length === 0) throw new Error("No functions of 250-1,500 characters were found in the Python standard library to type.");
    input.progress("measuring the model's prompt and generation speed");
    const speed = await measureModelSpeed(input.generator, places[0]!.file.lines);
    input.progress(`prompt ${speed.promptTokensPerS} tokens/s, generation ${speed.generatedTokensPerS} tokens/s`);
    const tuning = input.tuning ?? DEFAULT_MACHINE_TUNING;
    const tune = (measured: MeasuredSpeed): CompletionSettings => {
        const tuned = tuneCompletionSettings(input.settings, measured, new Set(), tuning);
        return input.firstLook === false ? { ...tuned, firstLookTokens: 0 } : tuned;
    };
    const settings = input.selfTune ? tune(speed) : input.settings;
    if (input.selfTune) input.progress(`self-tuned: prompt window ${settings.maxPromptTokens} tokens (first look ${settings.firstLookTokens}), max tokens ${settings.maxTokens}, time cap ${settings.timeCapMs} ms, cold debounce ${settings.debounce.coldMs} ms`);
    const realtime = await runRealtimeReplay({
        generator: input.generator,
        hostRssBytes: input.hostRssBytes,
        settings,
        syntaxGuard: input.syntaxGuard,
        places,
        durationMs: input.durationMs,
        random: input.random,
        speed,
        progress: input.progress,
        ...(input.reaskOnLineEnd === false ? { reaskOnLineEnd: false } : {}),
        ...(input.selfTune ? { retune: tune } : {}),
    });
    const { maxTokens, singleLineMaxTokens, maxPromptTokens, timeCapMs, latencyBudgetMs, latencyBudgetFrom, prefillWhileTyping, firstLookTokens } = settings;
    return { phi2Shape: speed, realtime, settings: { maxTokens, singleLineMaxTokens, maxPromptTokens, timeCapMs, latencyBudgetMs, latencyBudgetFrom, prefillWhileTyping, firstLookTokens, debounceMaxMs: settings.debounce.maxMs, selfTuned: input.selfTune, coldPromptBudgetMs: tuning.coldPromptBudgetMs } };
}

/**
 * `files` files with two functions each (quick: one file): typed in order, so the second function
 * of a file is a jump and the next file a switch.
 */
async function pickRealtimePlaces(stdlibFiles: readonly string[], files: number, random: SeededRandom): Promise<PythonFunction[]> {
    const places: PythonFunction[] = [];
    let filesTaken = 0;
    for (const filePath of random.shuffle(stdlibFiles)) {
        if (filesTaken >= files) break;
        const file = await readPythonFile(filePath);
        if (!file || file.lines.length < 60) continue;
        const candidates = findFunctions(file, REALTIME_FILTER);
        if (candidates.length < 2) continue;
        const [first, second] = random.shuffle(candidates).slice(0, 2).sort((a, b) => a.startLine - b.startLine);
        places.push(first!, second!);
        filesTaken++;
    }
    return places;
}

function check(name: string, figure: number, comparison: "<=" | ">=", limit: number, measured: boolean): TargetCheck {
    return { name, figure, comparison, limit: Number(limit.toFixed(1)), pass: !measured ? null : comparison === "<=" ? figure <= limit : figure >= limit };
}

/** The issue's targets for the Phi-2-shaped model on this machine. */
export function checkRealtimeTargets(realtime: RealtimeReport): TargetCheck[] {
    return [
        check("realtime.pausesWithSuggestionRatio", realtime.pausesWithSuggestionRatio, ">=", 0.8, realtime.pauses > 0),
        check("realtime.firstGhostTextMs.p50", realtime.firstGhostTextMs.p50, "<=", 1.3 * realtime.physicalFloorMs.p50, realtime.firstGhostTextMs.count > 0 && realtime.physicalFloorMs.count > 0),
        check("realtime.wastedGeneratedTokensRatio", realtime.wastedGeneratedTokensRatio, "<=", 0.3, realtime.generatedTokens > 0),
        check("realtime.hostRssMb.max", realtime.hostRssMb.max, "<=", 2560, realtime.hostRssMb.max > 0),
    ];
}

type Row = readonly [string, string, string?];

function ms(d: Distribution): string {
    return d.count === 0 ? "none" : `p50 ${d.p50} ms  p95 ${d.p95} ms  max ${d.max} ms  (n=${d.count})`;
}

export function formatRealtimeTable(result: RealtimeBenchResult): string {
    const r = result.realtime;
    const targets = new Map(result.targets.map((target) => [target.name, target]));
    const mark = (name: string): string => {
        const target = targets.get(name);
        if (!target) return "";
        return `${target.comparison} ${target.limit}  ${target.pass === null ? "not measured" : target.pass ? "pass" : "MISS"}`;
    };
    const rows: Row[] = [
        ["pauses of 2 s or more with ghost text", `${r.pausesWithSuggestion} / ${r.pauses}  (${(r.pausesWithSuggestionRatio * 100).toFixed(0)}%)`, mark("realtime.pausesWithSuggestionRatio")],
        ["  first ghost text the start of a line", `${r.pausesWithPartialLine}; the whole line within the pause: ${r.wholeLineAfterPartialMs.count}${r.wholeLineAfterPartialMs.count > 0 ? `, p50 ${r.wholeLineAfterPartialMs.p50} ms` : ""}`],
        ["pauses of 0.5-2 s with ghost text", `${r.shortPausesWithSuggestion} / ${r.shortPauses}`],
        ["pauses of 2 s or more without, by cause", Object.entries(r.pausesWithoutSuggestionBy).map(([cause, count]) => `${cause} ${count}`).join(", ") || "none"],
        ["first ghost text after a pause starts", ms(r.firstGhostTextMs), mark("realtime.firstGhostTextMs.p50")],
        ["physical floor per shown suggestion", ms(r.physicalFloorMs)],
        ["  for the pauses above", ms(r.pausePhysicalFloorMs)],
        ["  their model call started / wrote its first text", `${ms(r.pauseModelCallAfterMs)} / ${ms(r.pauseFirstTextAfterMs)}`],
        ["wasted generated tokens", `${r.wastedGeneratedTokens} / ${r.generatedTokens}  (${r.wastedGeneratedTokensRatio})`, mark("realtime.wastedGeneratedTokensRatio")],
        ["  by the gap the call started in", r.wastedByGap.map((row) => `${row.gap}: ${row.wastedTokens} (${row.calls} calls)`).join(", ")],
        ["model host RSS max / p50", `${r.hostRssMb.max} / ${r.hostRssMb.p50} MB`, mark("realtime.hostRssMb.max")],
        ["keystrokes / characters typed / accepted", `${r.keystrokes} / ${r.typedCharacters} / ${r.accepted}`],
        ["suggestions shown", String(r.suggestionsShown)],
        ["model calls / background prefills", `${r.modelCalls} / ${r.prefills}`],
        ["model calls by stop reason", Object.entries(r.stopReasons).map(([reason, count]) => `${reason} ${count}`).join(", ")],
        ["model calls that generated nothing", String(r.callsWithoutText)],
        ["prompt tokens evaluated (requests / prefills)", `${r.promptTokensEvaluated} / ${r.prefillTokensEvaluated}`],
        ["speeds seen in the run (prompt / generation)", `${r.observedPromptTokensPerS} / ${r.observedGeneratedTokensPerS} tokens/s`],
        ["self-tuning during the run", r.retunes.length === 0 ? "none" : `${r.retunes.length} re-tunes, last: window ${r.retunes[r.retunes.length - 1]!.maxPromptTokens} tokens at ${r.retunes[r.retunes.length - 1]!.speed.promptTokensPerS} / ${r.retunes[r.retunes.length - 1]!.speed.generatedTokensPerS} tokens/s`],
    ];
    const width = Math.max(...rows.map((row) => row[0].length));
    const valueWidth = Math.max(...rows.map((row) => row[1].length));
    const out: string[] = [];
    out.push(`phi2-complete bench --realtime${result.quick ? " --quick" : ""}: ${result.model.kind} ${result.model.path}`);
    const measuredThreads = result.model.threadMeasurements ? ` (measured: ${result.model.threadMeasurements.map((m) => `${m.threads}: ${m.generatedTokensPerS} tok/s`).join(", ")})` : "";
    const kvBudget = result.model.kvCacheBudgetMb > 0 ? ` (KV budget ${result.model.kvCacheBudgetMb} MiB)` : "";
    out.push(`context ${result.model.contextSize} x ${result.model.sequences} sequences${kvBudget}, ${result.model.threads} threads${measuredThreads}, seed ${result.seed}, ${(result.durationMs / 1000).toFixed(1)} s`);
    out.push(`machine: ${result.machine.cores} cores, load average ${result.machine.loadAverageAtStart} at the start, ${result.machine.loadAverageAtEnd} at the end`);
    out.push(`model speed here: prompt ${result.phi2Shape.promptTokensPerS} tokens/s (${result.phi2Shape.promptTokens} tokens), generation ${result.phi2Shape.generatedTokensPerS} tokens/s (${result.phi2Shape.generatedTokens} tokens)`);
    out.push(`settings${result.settings.selfTuned ? " (self-tuned)" : ""}: max prompt ${result.settings.maxPromptTokens} tokens (first look ${result.settings.firstLookTokens}), max tokens ${result.settings.maxTokens} (single line ${result.settings.singleLineMaxTokens}), time cap ${result.settings.timeCapMs} ms, latency budget ${result.settings.latencyBudgetMs} ms, debounce up to ${result.settings.debounceMaxMs} ms`);
    out.push("", `Real-time replay (${(r.durationMs / 1000).toFixed(0)} s on the wall clock)`);
    for (const [metric, value, target] of rows) out.push(`  ${metric.padEnd(width)}  ${target ? value.padEnd(valueWidth) : value}${target ? `  ${target}` : ""}`);
    out.push("", "Places");
    for (const place of r.placesVisited) {
        const first = place.firstGhostTextAfterMs === null ? "no ghost text" : `first ghost text ${(place.firstGhostTextAfterMs / 1000).toFixed(1)} s after the first keystroke`;
        const call = place.firstCallPromptTokens === null ? "no model call" : `first call: ${place.firstCallEvaluatedTokens} of ${place.firstCallPromptTokens} prompt tokens evaluated`;
        const completed = place.firstCompletedCall === null ? "no call got through its prompt"
            : `first call through its prompt: ${place.firstCompletedCall.promptMs} ms prompt, then ${place.firstCompletedCall.generatedTokens} tokens (${place.firstCompletedCall.stopReason})`;
        out.push(`  ${place.arrival.padEnd(6)} ${place.file}:${place.line} ${place.function}: ${place.typedCharacters} characters; ${call}; ${completed}; ${first}`);
    }
    const missed = result.targets.filter((target) => target.pass === false);
    out.push("", missed.length === 0 ? "All measured targets met." : `Targets missed: ${missed.map((target) => target.name).join(", ")}`);
    return `${out.join("\n")}\n`;
}
