// `phi2-complete bench` (`npm run bench`): measures the completion pipeline with the same core
// (CompletionEngine with the tree-sitter syntax guard) and the same model host (ModelHostClient
// forking dist/modelHost.mjs) as the extension. See BENCH_USAGE for what it measures.
import { availableParallelism, loadavg } from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { CompletionEngine } from "../core/completion/CompletionEngine";
import { DEFAULT_COMPLETION_SETTINGS, withSettings, type CompletionSettings } from "../core/completion/CompletionSettings";
import { DEFAULT_MACHINE_TUNING } from "../core/completion/machineTuning";
import { defaultThreadCount } from "../hostClient/defaultThreadCount";
import { DEFAULT_PREFILL_CHUNK_TOKENS, DEFAULT_SEQUENCES, normalizeGpuMode, type GpuMode, type LoadParams, type ModelInfo } from "../protocol/modelHostProtocol";
import type { ModelHostClient } from "../hostClient/ModelHostClient";
import { UsageError, integerFlag, parseFlags, requireFile } from "../cli/cliArguments";
import { writeBenchResult } from "./writeBenchResult";
import { createHeadlessHostClient, createHeadlessSyntaxGuard, stderrLogger } from "../cli/headlessEngine";
import { runBenchCommand, type DisposablePart } from "./benchCommand";
import { locateTreeSitterWasmDirectory } from "../cli/treeSitterWasm";
import { ensurePhi2ShapedModel, ensureTinyRandomModel, loadModelEngineModule, repositoryRoot } from "./benchModel";
import { checkTargets, formatTable } from "./benchReport";
import type { BenchResult } from "./benchReport";
import { measureCancelLatency } from "./cancelLatency";
import { measureIpcThroughput } from "./ipcThroughput";
import { runOddDocuments } from "./oddDocuments";
import { measurePipelineOverhead } from "./pipelineOverhead";
import { runQualityBench } from "./quality/runQualityBench";
import { findFunctions, listPythonFiles, locatePythonStdlib, pickFunctions, readPythonFile, synthesizeLongFile } from "./pythonCorpus";
import type { FunctionFilter, PythonFunction } from "./pythonCorpus";
import { SeededRandom } from "./seededRandom";
import { createShownSuggestionChecker } from "./ShownSuggestionChecker";
import { runTypingReplay } from "./typingReplay";
import { DEFAULT_KV_CACHE_BUDGET_MB } from "../core/model/kvCacheLayout";
import { threadCandidates } from "../core/model/threadChoice";
import { checkRealtimeTargets, formatRealtimeTable, REALTIME_FULL_MS, REALTIME_QUICK_MS, runRealtimeBench } from "./realtimeBench";
import type { RealtimeBenchResult } from "./realtimeBench";
import type { SlotAssignment } from "../serverClient/ServerTextGenerator";
import { formatServerTable } from "./serverBenchReport";
import { runExplainBench } from "./explainBench";
import { formatExplainTable, type ExplainBenchResult } from "./explainBenchReport";
import { runServerBench } from "./serverBench";

export const BENCH_USAGE = `Usage: phi2-complete bench [options]     (from a clone: npm run bench -- [options])
       phi2-complete bench quality [options]   suggestion quality ("bench quality --help")

Measures, with the extension's completion engine and model host:
  typing replay   functions of the Python standard library (python3 on PATH) and of
                  test/fixtures/workspace are typed again keystroke by keystroke on simulated
                  time; prompt tokens evaluated vs a no-reuse baseline, typed-ahead hits,
                  suggestions shown, syntax-guard cuts, and an independent check of every shown
                  suggestion (duplicates the text after the cursor? adds parse errors?)
  overhead        pipeline time that is not the model, on a 10,000-line file
  cancel          abort to idle, during a long prefill and during generation
  ipc             generation tokens/s through the host vs the engine in this process
  odd documents   a 50,000-line file, a 2 MB line, CRLF, lone CR, tabs, mixed indentation,
                  non-ASCII identifiers, emoji, NUL bytes, a BOM, a notebook cell, the cursor
                  at the start and end of a file and inside a surrogate pair: time, host and CLI
                  RSS, suggestion shown and safe (syntax guard verdict, whole-file parse)
  estimate        time to suggestion on a real Phi-2 from the counted tokens

Options:
  --model PATH        a Phi-2 GGUF (default: the tiny random test model, made with tsx from
                      test/support/tinyModels.ts in this clone; its speeds are not Phi-2's but
                      every token count is real)
  --phi2-shape        a model of Phi-2's exact shapes and tokenizer with random weights, Q4_K_M
                      (1.8 GB): costs what Phi-2 costs on this machine. Built when missing into
                      ~/.cache/phi2-complete/models/ (or $PHI2_COMPLETE_CACHE/models/)
  --realtime          instead of the measurements above: a person types standard-library code on
                      the wall clock for 4 minutes (--quick: 1) through the engine and host;
                      ghost text per pause, time to it vs the physical floor, wasted tokens, RSS
  --explain           instead of the measurements above: Explain This Code on standard-library
                      functions as the extension builds it, then Explain Again on each; time to
                      the first words vs the physical floor, generation speed, what ended it,
                      whether the second text differs
  --explain-tokens N  with --explain: generated tokens per explanation (default 48, quick 16)
  --seconds N         length of the --realtime typing (default 240, quick 60)
  --self-tune         with --realtime: fit the prompt window, max tokens, time cap and debounce to
                      the measured speed, as the extension does (machineTuning.ts)
  --latency-budget MS model time a pause waits before the part written so far is shown and the
                      generation goes on for the longer version (default 1000; 0: whole results)
  --json              print one JSON object on stdout (progress goes to stderr; npm prints its
                      own banner on stdout too: use "npm run -s bench -- --json" or --out)
  --out FILE          also write the JSON object to FILE
  --quick             a short run (tests, CI)
  --prompt-rate N     Phi-2 prompt tokens/s for the estimate (default 60)
  --gen-rate N        Phi-2 generated tokens/s for the estimate (default 15)
  --threads N|auto    CPU threads (default: cores - 1 = ${defaultThreadCount()}; auto: with --realtime,
                      the fastest count for generation by a short measurement at load)
  --kv-budget MB      with --realtime: KV cache memory; sequences x context are fitted to it as in
                      the extension (default ${DEFAULT_KV_CACHE_BUDGET_MB}; 0: ${DEFAULT_SEQUENCES} x 2048)
  --no-window-shift   with --realtime: evaluate the body again after a window step instead of
                      erasing the dropped lines from the KV cache and shifting the rest
  --cold-budget MS    with --self-tune: the prompt window is sized so that reading it from scratch
                      at a new place takes at most this long (default ${DEFAULT_MACHINE_TUNING.coldPromptBudgetMs})
  --no-prefill-while-typing
                      with --realtime: evaluate a typed prompt only when its generation starts
                      (after the debounce), not at once in the background on every keystroke
  --no-line-reask     with --realtime: after a part that was the start of a line, ask again only
                      when the generation ends, not as soon as the line is complete
  --no-first-look     with --realtime --self-tune: no first look at a new place (a short window
                      while the whole one is read in the background): the whole window at once
  --budget-after-debounce
                      with --realtime: the latency budget starts when the model call starts (after
                      the debounce), not at the keystroke
  --functions N       functions to retype from the standard library (default 12, quick 2)
  --seed N            choice of functions and typing rhythm (default 1)
  --gpu MODE          auto | cpu | cuda | vulkan | metal (default cpu: the figures are for a CPU)
  --speculative       prompt-lookup speculative decoding on (compare with a run without it)
  --verbose           model host logs on stderr
  --server URL        instead of the host-only measurements: the typing replay on the local host
                      and on the llama-server at URL (serving the same model file), side by side,
                      then the load table (--users); PHI2_SERVER_API_KEY holds its key, if any
  --users LIST        simulated users for the load table, e.g. 1,4,8 (default 1,4,8; "" for none)
  --slots MODE        perDocument (id_slot per document, default) | server (id_slot -1)

Missed targets are reported, not errors. Exit codes: 0 done, 1 error, 2 bad arguments.`;

const BENCH_FLAGS = {
    model: "string", json: "boolean", out: "string", quick: "boolean", "prompt-rate": "string", "gen-rate": "string", threads: "string",
    functions: "string", seed: "string", gpu: "string", speculative: "boolean", verbose: "boolean", help: "boolean",
    "phi2-shape": "boolean", realtime: "boolean", explain: "boolean", "explain-tokens": "string", seconds: "string", "self-tune": "boolean", "latency-budget": "string", "kv-budget": "string", "no-window-shift": "boolean", "no-prefill-while-typing": "boolean", "budget-after-debounce": "boolean", "no-line-reask": "boolean", "no-first-look": "boolean", "cold-budget": "string", server: "string", users: "string", slots: "string",
} as const;

const OVERHEAD_FILE_LINES = 10_000;

interface RunPlan {
    readonly replayFunctions: number;
    readonly replayFilter: FunctionFilter;
    readonly overheadPlaces: number;
    readonly overheadKeystrokes: number;
    readonly cancelTrials: number;
    readonly ipcRounds: number;
    readonly ipcTokens: number;
}

const FULL_PLAN: RunPlan = {
    replayFunctions: 12,
    replayFilter: { minLines: 3, maxLines: 25, minCharacters: 80, maxCharacters: 600, maxLineLength: 100 },
    overheadPlaces: 60,
    overheadKeystrokes: 4,
    cancelTrials: 30,
    ipcRounds: 10,
    ipcTokens: 256,
};

const QUICK_PLAN: RunPlan = {
    replayFunctions: 2,
    replayFilter: { minLines: 3, maxLines: 8, minCharacters: 60, maxCharacters: 160, maxLineLength: 80 },
    overheadPlaces: 6,
    overheadKeystrokes: 3,
    cancelTrials: 6,
    ipcRounds: 4,
    ipcTokens: 64,
};

function usersFlag(value: string | undefined): number[] {
    if (value === undefined) return [1, 4, 8];
    const counts = value.split(",").map((part) => part.trim()).filter((part) => part.length > 0);
    return counts.map((part) => integerFlag("users", part, 1));
}

function slotsFlag(value: string | undefined): SlotAssignment {
    if (value === undefined || value === "perDocument" || value === "server") return value ?? "perDocument";
    throw new UsageError(`--slots must be perDocument or server, got "${value}".`);
}

function positiveNumberFlag(name: string, value: string | undefined, fallback: number): number {
    if (value === undefined) return fallback;
    const number = Number(value);
    if (!Number.isFinite(number) || number <= 0) throw new UsageError(`--${name} must be a positive number, got "${value}".`);
    return number;
}

export async function runBench(argv: string[]): Promise<number> {
    if (argv[0] === "quality") return runQualityBench(argv.slice(1));
    const flags = parseFlags(argv, BENCH_FLAGS);
    if (flags.help) {
        process.stdout.write(`${BENCH_USAGE}\n`);
        return 0;
    }
    const quick = flags.quick ?? false;
    const basePlan = quick ? QUICK_PLAN : FULL_PLAN;
    const plan: RunPlan = { ...basePlan, replayFunctions: integerFlag("functions", flags.functions, 1, basePlan.replayFunctions) };
    const promptRate = positiveNumberFlag("prompt-rate", flags["prompt-rate"], 60);
    const generationRate = positiveNumberFlag("gen-rate", flags["gen-rate"], 15);
    const measureThreads = flags.threads === "auto";
    const threads = measureThreads ? defaultThreadCount() : integerFlag("threads", flags.threads, 1, defaultThreadCount());
    const seed = integerFlag("seed", flags.seed, 0, 1);
    const gpu: GpuMode | undefined = normalizeGpuMode(flags.gpu ?? "off");
    if (!gpu) throw new UsageError(`--gpu must be auto, cpu, cuda, vulkan or metal, got "${flags.gpu}".`);
    const started = performance.now();
    const progress = (message: string): void => {
        process.stderr.write(`bench: [${((performance.now() - started) / 1000).toFixed(1)} s] ${message}\n`);
    };
    const root = repositoryRoot(fileURLToPath(import.meta.url));

    if (flags.model !== undefined && flags["phi2-shape"]) throw new UsageError("Use --model PATH or --phi2-shape, not both.");
    if (flags.model !== undefined) await requireFile(path.resolve(flags.model), "model file");
    const modelKind = flags.model !== undefined ? "file" : flags["phi2-shape"] ? "phi2-shaped" : "tiny-random";
    const modelPath = flags.model !== undefined ? path.resolve(flags.model)
        : flags["phi2-shape"] ? await ensurePhi2ShapedModel(root) : await ensureTinyRandomModel(root);
    progress(`model ${modelPath}`);
    if (flags.realtime && flags.explain) throw new UsageError("Use --realtime or --explain, not both.");
    if (flags.explain) {
        const maxTokens = integerFlag("explain-tokens", flags["explain-tokens"], 1, quick ? 16 : 48);
        return runExplainCommand({ modelPath, modelKind, gpu, threads, seed, quick, maxTokens, json: flags.json ?? false, out: flags.out, verbose: flags.verbose ?? false, started, progress });
    }
    if (flags.realtime) {
        const seconds = integerFlag("seconds", flags.seconds, 1, (quick ? REALTIME_QUICK_MS : REALTIME_FULL_MS) / 1000);
        return runRealtimeCommand({ modelPath, modelKind, gpu, threads, seed, quick, durationMs: seconds * 1000, selfTune: flags["self-tune"] ?? false, latencyBudgetMs: integerFlag("latency-budget", flags["latency-budget"], 0, DEFAULT_COMPLETION_SETTINGS.latencyBudgetMs), kvCacheBudgetMb: integerFlag("kv-budget", flags["kv-budget"], 0, DEFAULT_KV_CACHE_BUDGET_MB), measureThreads, shiftWindow: !(flags["no-window-shift"] ?? false), prefillWhileTyping: !(flags["no-prefill-while-typing"] ?? false), latencyBudgetFrom: flags["budget-after-debounce"] ? "modelCall" : "request", reaskOnLineEnd: !(flags["no-line-reask"] ?? false), firstLook: !(flags["no-first-look"] ?? false), coldPromptBudgetMs: integerFlag("cold-budget", flags["cold-budget"], 1000, DEFAULT_MACHINE_TUNING.coldPromptBudgetMs), json: flags.json ?? false, out: flags.out, verbose: flags.verbose ?? false, speculative: flags.speculative ?? false, started, progress });
    }

    // Real Python code: the machine's standard library plus the repository's fixture workspace.
    const stdlib = await locatePythonStdlib();
    const stdlibFiles = await listPythonFiles(stdlib);
    if (stdlibFiles.length < 20) throw new Error(`Found only ${stdlibFiles.length} .py files in ${stdlib}; the benchmark needs the Python standard library.`);
    const fixtureFiles = await listPythonFiles(path.join(root, "test", "fixtures", "workspace"));
    const random = new SeededRandom(seed);
    const functions: PythonFunction[] = await pickFunctions(stdlibFiles, plan.replayFunctions, plan.replayFilter, random);
    for (const filePath of fixtureFiles) {
        const file = await readPythonFile(filePath);
        const candidates = file ? findFunctions(file, { ...plan.replayFilter, minCharacters: 40 }) : [];
        if (candidates.length > 0) functions.push(candidates[0]!);
        if (quick && candidates.length > 0) break; // one fixture function is enough for a quick run
    }
    if (functions.length === 0) throw new Error(`No functions to type were found in ${stdlib}.`);
    const longFile = await synthesizeLongFile(random.shuffle(stdlibFiles), OVERHEAD_FILE_LINES);

    const client = createHeadlessHostClient(stderrLogger("host", flags.verbose ?? false));
    const syntaxGuard = await createHeadlessSyntaxGuard();
    const checker = await createShownSuggestionChecker(locateTreeSitterWasmDirectory());
    return runBenchCommand("phi2-complete bench", [syntaxGuard, checker, client], async () => {
        const loadParams: LoadParams = {
            modelPath, gpu, threads, contextSize: DEFAULT_COMPLETION_SETTINGS.contextTokens, sequences: DEFAULT_SEQUENCES,
            speculativeLookup: flags.speculative === true,
        };
        const model = await client.load(loadParams);
        progress(`loaded in ${model.loadMs} ms (context ${model.contextSize}, ${model.threads} threads)`);
        const settings = withSettings(DEFAULT_COMPLETION_SETTINGS, { contextTokens: model.contextSize });
        if (flags.server !== undefined) {
            const result = await runServerBench({
                local: client, serverUrl: flags.server, apiKey: process.env.PHI2_SERVER_API_KEY, users: usersFlag(flags.users), slotAssignment: slotsFlag(flags.slots),
                settings, syntaxGuard, checker, functions, seed, promptRate, generationRate, progress,
            });
            const output = { ...result, quick, seed, model: { path: modelPath, threads: model.threads, contextSize: model.contextSize }, durationMs: Math.round(performance.now() - started) };
            await writeBenchResult(output, flags, formatServerTable);
            return;
        }

        const replay = await runTypingReplay({
            generator: client, settings, syntaxGuard, checker, functions, random: new SeededRandom(seed + 1), promptRate, generationRate, progress,
        });
        progress(`overhead on a ${longFile.length}-line file`);
        const overhead = await measurePipelineOverhead({
            generator: client, settings, syntaxGuard, lines: longFile, places: plan.overheadPlaces, keystrokesPerPlace: plan.overheadKeystrokes, random: new SeededRandom(seed + 2),
        });
        progress("cancel latency");
        const engineModule = await loadModelEngineModule(root);
        const cancel = await measureCancelLatency({
            generator: client,
            longPrompts: promptRegions(longFile, 4, 2200),
            shortPrompt: promptRegions(longFile, 1, 300)[0]!,
            trials: plan.cancelTrials,
            chunkTokens: DEFAULT_PREFILL_CHUNK_TOKENS,
            random: new SeededRandom(seed + 3),
        });
        progress("IPC throughput");
        const ipc = await measureIpcThroughput({
            host: client, engineModule, loadParams, prompt: promptRegions(longFile, 1, 300)[0]!, tokensPerRun: plan.ipcTokens, rounds: plan.ipcRounds,
        });

        progress("odd documents");
        const oddDocuments = await runOddDocuments({
            engine: new CompletionEngine(client, { settings, syntaxGuard }), checker, hostRssBytes: async () => (await client.stats()).rssBytes, progress,
        });

        const { shown, estimatedTimeToSuggestionMs, estimatedPromptMs, generateSamples: _samples, ...replayFigures } = replay;
        const { overheadMs, ...overheadDetails } = overhead;
        const partial: Omit<BenchResult, "targets" | "targetsMissed"> = {
            version: 1,
            quick,
            seed,
            model: {
                path: modelPath, kind: modelKind,
                contextSize: model.contextSize, threads: model.threads, gpu: model.gpu, sequences: model.sequences,
                speculativeDecoding: flags.speculative === true,
            },
            corpus: { stdlib, stdlibFiles: stdlibFiles.length, fixtureFiles: fixtureFiles.length, functions: functions.length },
            replay: replayFigures,
            shown,
            overheadMs: { ...overheadMs, ...overheadDetails },
            cancelMs: cancel,
            ipc,
            oddDocuments,
            estimate: { promptTokensPerSecond: promptRate, generationTokensPerSecond: generationRate, timeToSuggestionMs: estimatedTimeToSuggestionMs, promptPartMs: estimatedPromptMs },
            durationMs: Math.round(performance.now() - started),
        };
        const targets = checkTargets(partial);
        const result: BenchResult = { ...partial, targets, targetsMissed: targets.filter((target) => target.pass === false).length };
        await writeBenchResult(result, flags, formatTable);
    });
}

interface RealtimeCommand {
    readonly modelPath: string;
    readonly modelKind: RealtimeBenchResult["model"]["kind"];
    readonly gpu: GpuMode;
    readonly threads: number;
    readonly seed: number;
    readonly quick: boolean;
    readonly durationMs: number;
    readonly selfTune: boolean;
    readonly latencyBudgetMs: number;
    readonly kvCacheBudgetMb: number;
    readonly measureThreads: boolean;
    readonly shiftWindow: boolean;
    readonly prefillWhileTyping: boolean;
    readonly latencyBudgetFrom: CompletionSettings["latencyBudgetFrom"];
    readonly reaskOnLineEnd: boolean;
    readonly firstLook: boolean;
    readonly coldPromptBudgetMs: number;
    readonly json: boolean;
    readonly out: string | undefined;
    readonly verbose: boolean;
    readonly speculative: boolean;
    readonly started: number;
    readonly progress: (message: string) => void;
}

/** What `--realtime` and `--explain` load the same way. */
interface LoadedModelCommand {
    readonly modelPath: string;
    readonly gpu: GpuMode;
    readonly threads: number;
    readonly verbose: boolean;
    readonly progress: (message: string) => void;
}

/**
 * Lists the standard library's files, starts a model host, loads the model with the extension's
 * context and sequences (plus `load`), runs `measure`, and disposes of the host and `parts`.
 */
async function runOnLoadedModel(
    command: LoadedModelCommand,
    load: Partial<Pick<LoadParams, "speculativeLookup" | "kvCacheBudgetMb" | "shiftWindow" | "threadCandidates">>,
    parts: readonly DisposablePart[],
    measure: (loaded: { readonly client: ModelHostClient; readonly model: ModelInfo; readonly stdlibFiles: readonly string[] }) => Promise<void>,
): Promise<number> {
    const stdlibFiles = await listPythonFiles(await locatePythonStdlib());
    const client = createHeadlessHostClient(stderrLogger("host", command.verbose));
    return runBenchCommand("phi2-complete bench", [...parts, client], async () => {
        const model = await client.load({
            modelPath: command.modelPath, gpu: command.gpu, threads: command.threads, contextSize: DEFAULT_COMPLETION_SETTINGS.contextTokens, sequences: DEFAULT_SEQUENCES, ...load,
        });
        command.progress(`loaded in ${model.loadMs} ms (context ${model.contextSize}, ${model.threads} threads)`);
        await measure({ client, model, stdlibFiles });
    });
}

/** `bench --realtime`: load, measure the speed, replay on the wall clock, report. */
async function runRealtimeCommand(command: RealtimeCommand): Promise<number> {
    // Other work on the machine slows the model down: the 1-minute load average says how busy it was.
    const loadAverageAtStart = Number(loadavg()[0]!.toFixed(2));
    const syntaxGuard = await createHeadlessSyntaxGuard();
    const load = {
        speculativeLookup: command.speculative, kvCacheBudgetMb: command.kvCacheBudgetMb, shiftWindow: command.shiftWindow,
        ...(command.measureThreads ? { threadCandidates: threadCandidates(availableParallelism()) } : {}),
    };
    return runOnLoadedModel(command, load, [syntaxGuard], async ({ client, model, stdlibFiles }) => {
        if (model.threadMeasurements) command.progress(`generation by threads: ${model.threadMeasurements.map((m) => `${m.threads}: ${m.generatedTokensPerS} tok/s`).join(", ")}; using ${model.threads}`);
        const measured = await runRealtimeBench({
            generator: client,
            hostRssBytes: async () => (await client.stats()).rssBytes,
            settings: withSettings(DEFAULT_COMPLETION_SETTINGS, { contextTokens: model.contextSize, latencyBudgetMs: command.latencyBudgetMs, latencyBudgetFrom: command.latencyBudgetFrom, prefillWhileTyping: command.prefillWhileTyping }),
            syntaxGuard,
            stdlibFiles,
            quick: command.quick,
            durationMs: command.durationMs,
            selfTune: command.selfTune,
            tuning: { coldPromptBudgetMs: command.coldPromptBudgetMs },
            reaskOnLineEnd: command.reaskOnLineEnd,
            firstLook: command.firstLook,
            random: new SeededRandom(command.seed),
            progress: command.progress,
        });
        const targets = checkRealtimeTargets(measured.realtime);
        const result: RealtimeBenchResult = {
            version: 1, kind: "realtime", quick: command.quick, seed: command.seed,
            machine: { cores: availableParallelism(), loadAverageAtStart, loadAverageAtEnd: Number(loadavg()[0]!.toFixed(2)) },
            model: {
                path: command.modelPath, kind: command.modelKind, contextSize: model.contextSize, threads: model.threads, sequences: model.sequences, loadMs: model.loadMs,
                kvCacheBudgetMb: command.kvCacheBudgetMb, ...(model.threadMeasurements ? { threadMeasurements: model.threadMeasurements } : {}),
            },
            ...measured,
            targets,
            targetsMissed: targets.filter((target) => target.pass === false).length,
            durationMs: Math.round(performance.now() - command.started),
        };
        await writeBenchResult(result, command, formatRealtimeTable);
    });
}

interface ExplainCommand {
    readonly modelPath: string;
    readonly modelKind: ExplainBenchResult["model"]["kind"];
    readonly gpu: GpuMode;
    readonly threads: number;
    readonly seed: number;
    readonly quick: boolean;
    readonly maxTokens: number;
    readonly json: boolean;
    readonly out: string | undefined;
    readonly verbose: boolean;
    readonly started: number;
    readonly progress: (message: string) => void;
}

/** `bench --explain`: load, measure the speed, explain and explain again, report. */
async function runExplainCommand(command: ExplainCommand): Promise<number> {
    // The extension's KV layout: the explanation's sequence is as long as a completion's.
    return runOnLoadedModel(command, { kvCacheBudgetMb: DEFAULT_KV_CACHE_BUDGET_MB }, [], async ({ client, model, stdlibFiles }) => {
        const explain = await runExplainBench({
            generator: client, stdlibFiles, explanations: command.quick ? 1 : 3, maxTokens: command.maxTokens, contextTokens: model.contextSize,
            random: new SeededRandom(command.seed), progress: command.progress,
        });
        const result: ExplainBenchResult = {
            version: 1, kind: "explain", quick: command.quick, seed: command.seed,
            machine: { cores: availableParallelism(), loadAverageAtEnd: Number(loadavg()[0]!.toFixed(2)) },
            model: { path: command.modelPath, kind: command.modelKind, contextSize: model.contextSize, threads: model.threads, loadMs: model.loadMs },
            explain,
            durationMs: Math.round(performance.now() - command.started),
        };
        await writeBenchResult(result, command, formatExplainTable);
    });
}

/**
 * `count` stretches of whole lines of about `characters` characters each, starting at different
 * places of the file (so each one's tokens differ from the first).
 */
function promptRegions(lines: readonly string[], count: number, characters: number): string[] {
    const regions: string[] = [];
    for (let index = 0; index < count; index++) {
        let line = Math.floor(((index + 1) * lines.length) / (count + 2));
        while (line < lines.length && lines[line]!.trim().length === 0) line++;
        const taken: string[] = [];
        let length = 0;
        while (line < lines.length && length < characters) {
            taken.push(lines[line]!);
            length += lines[line]!.length + 1;
            line++;
        }
        regions.push(taken.join("\n"));
    }
    return regions;
}

