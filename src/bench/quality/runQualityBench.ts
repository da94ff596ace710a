// `phi2-complete bench quality` (`npm run bench:quality`): how good the suggestions are, measured on
// the held-out files of the pocket model's corpus with the extension's CompletionEngine, the
// tree-sitter syntax guard and the model host, for several variants of the pipeline side by side.
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { DEFAULT_COMPLETION_SETTINGS, contextBudgetTokens, withSettings } from "../../core/completion/CompletionSettings";
import { createTextSnapshot } from "../../core/python/textSnapshot";
import { moduleFileCandidates } from "../../core/context/localImports";
import type { ProjectContext, ProjectContextMode, RenderedProjectContext } from "../../core/context/ProjectContext";
import { RecentSnippets } from "../../core/context/RecentSnippets";
import { parseImportStatement, topLevelImports } from "../../core/python/imports";
import type { DocumentSnapshot } from "../../core/types";
import { DiskProjectFiles } from "../../cli/DiskProjectFiles";
import { createWorkspaceContext } from "../../cli/workspaceContext";
import type { CompletionSettings } from "../../core/completion/CompletionSettings";
import { defaultThreadCount } from "../../hostClient/defaultThreadCount";
import { DEFAULT_SEQUENCES } from "../../protocol/modelHostProtocol";
import { integerFlag, parseFlags, requireFile, UsageError } from "../../cli/cliArguments";
import { createHeadlessHostClient, createHeadlessSyntaxGuard, stderrLogger } from "../../cli/headlessEngine";
import { runBenchCommand } from "../benchCommand";
import { locateTreeSitterWasmDirectory } from "../../cli/treeSitterWasm";
import { writeBenchResult } from "../writeBenchResult";
import { repositoryRoot } from "../benchModel";
import { locatePythonStdlib, pickFunctions, readPythonFile } from "../pythonCorpus";
import type { FunctionFilter, PythonFile } from "../pythonCorpus";
import { SeededRandom } from "../seededRandom";
import { createShownSuggestionChecker } from "../ShownSuggestionChecker";
import type { ContextPlace } from "../typingReplay";
import { measureVariant } from "./measureQuality";
import type { QualityFigures, SpotResult, VariantMeasurement } from "./measureQuality";
import { formatQualityTable, meetsSafetyTarget } from "./qualityReport";
import type { QualityResult, QualitySample } from "./qualityReport";
import { pickCrossFileSpots, pickSpots } from "./qualitySpots";
import { DEFAULT_VARIANT, QUALITY_VARIANTS, selectVariants, variantContext } from "./qualityVariants";
import type { QualityVariant } from "./qualityVariants";
import { loadStdlibCorpus } from "./stdlibCorpus";

export const QUALITY_USAGE = `Usage: phi2-complete bench quality [options]     (from a clone: npm run bench:quality -- [options])

Measures how good the suggestions are on the held-out files of the Python standard library (the
files the pocket model was not trained on; the split rule is in src/cli/bench/quality/stdlibCorpus.ts):
  line spots      cursor inside a line of a function: exact match and edit similarity of the rest
                  of the line
  block spots     cursor at the start of a block body: first line and whole block
  cross-file      cursor before a use of a name imported from another module of the library:
  spots           exact match and edit similarity of the rest of the line (where project context
                  can help; the context variants compare none / definitions / definitions+recent)
  keystrokes      held-out functions retyped by a user who accepts a suggestion (whole, its first
                  line or its first words) exactly when it matches what comes next
  safety          shown suggestions that add a parse error or repeat the text after the cursor
Every variant runs on the same spots: ${QUALITY_VARIANTS.map((variant) => variant.name).join(", ")}.

Options:
  --model PATH        a phi2 GGUF (default: test/fixtures/models/pocket-phi2.gguf of this clone)
  --json              print one JSON object on stdout (use "npm run -s bench:quality -- --json")
  --out FILE          also write the JSON object to FILE
  --quick             a short run (tests): few spots, one function, default + guardOff
  --spots N           line spots (default 60, quick 6); block spots are half as many
  --functions N       functions retyped for the keystrokes saved (default 2, quick 1)
  --variants A,B      only these variants (the default variant always runs)
  --stdlib DIR        the standard library folder (default: asks python3)
  --seed N            choice of spots and typing rhythm (default 1)
  --threads N         CPU threads (default: cores - 1 = ${defaultThreadCount()})
  --verbose           model host logs on stderr

Exit codes: 0 done (a missed target is reported, not an error), 1 error, 2 bad arguments.`;

const QUALITY_FLAGS = {
    model: "string", json: "boolean", out: "string", quick: "boolean", spots: "string", functions: "string", variants: "string",
    stdlib: "string", seed: "string", threads: "string", verbose: "boolean", help: "boolean",
} as const;

const REPLAY_FILTER: FunctionFilter = { minLines: 3, maxLines: 12, minCharacters: 60, maxCharacters: 400, maxLineLength: 100 };
/**
 * The quality figures must not depend on how busy the machine is: neither generation nor the
 * syntax guard's parses are cut by time (the extension's limits are for interactive use).
 */
const QUALITY_TIME_CAP_MS = 60_000;
const QUALITY_GUARD_BUDGET_MS = 10_000;
/** Spots of the default variant listed in the result (half line, half block spots), for reading what the model writes. */
const LISTED_SAMPLES = 12;

function defaultModelPath(): string {
    return path.join(repositoryRoot(fileURLToPath(import.meta.url)), "test", "fixtures", "models", "pocket-phi2.gguf");
}

async function readHeldOutFiles(stdlib: string): Promise<PythonFile[]> {
    const corpus = await loadStdlibCorpus(stdlib);
    const files: PythonFile[] = [];
    for (const relative of corpus.heldOutFiles) {
        const file = await readPythonFile(path.join(stdlib, relative));
        if (file) files.push(file);
    }
    if (files.length === 0) throw new Error(`None of the held-out files of ${stdlib} could be read.`);
    return files;
}

function variantSettings(base: CompletionSettings, variant: QualityVariant): CompletionSettings {
    return withSettings(base, { ...variant.settings });
}

function samplesOf(variant: string, measurement: VariantMeasurement, listed: number): QualitySample[] {
    const toSample = (result: SpotResult): QualitySample => ({
        variant, kind: result.spot.kind, file: result.spot.file, line: result.spot.line + 1, character: result.spot.character + 1,
        before: result.spot.lines[result.spot.line]!, expected: result.spot.expected, suggestion: result.suggestion ?? null,
        ...(result.problem ? { problem: result.problem } : {}), ...(result.why ? { why: result.why } : {}), ...(result.rawText !== undefined ? { rawText: result.rawText } : {}),
    });
    const perKind = Math.ceil(listed / 2);
    const isListed = (result: SpotResult): boolean => measurement.results.filter((other) => other.spot.kind === result.spot.kind).indexOf(result) < perKind;
    const listedSpots = measurement.results.filter(isListed).map(toSample);
    const flaggedSpots = measurement.results.filter((result) => !isListed(result) && result.problem !== undefined).map(toSample);
    const flaggedReplay = measurement.replayProblems.map((example): QualitySample => ({
        variant, kind: "line", file: example.file, line: example.line, character: example.character,
        before: "", expected: example.restOfLine, suggestion: example.insertText, problem: `typing replay: ${example.problem}`,
    }));
    return [...listedSpots, ...flaggedSpots, ...flaggedReplay];
}

export async function runQualityBench(argv: string[]): Promise<number> {
    const flags = parseFlags(argv, QUALITY_FLAGS);
    if (flags.help) {
        process.stdout.write(`${QUALITY_USAGE}\n`);
        return 0;
    }
    const quick = flags.quick ?? false;
    const lineSpotCount = integerFlag("spots", flags.spots, 1, quick ? 6 : 60);
    const functionCount = integerFlag("functions", flags.functions, 0, quick ? 1 : 2);
    const seed = integerFlag("seed", flags.seed, 0, 1);
    const threads = integerFlag("threads", flags.threads, 1, defaultThreadCount());
    const variants = selectVariants(flags.variants ?? (quick ? "guardOff" : undefined));
    const modelPath = path.resolve(flags.model ?? defaultModelPath());
    await requireFile(modelPath, "model file").catch((error: unknown) => {
        if (flags.model === undefined && error instanceof UsageError) {
            throw new UsageError(`${error.message} It is the pocket model committed with the repository: run the benchmark from a clone, or pass --model PATH.`);
        }
        throw error;
    });
    const started = performance.now();
    const progress = (message: string): void => {
        process.stderr.write(`bench quality: [${((performance.now() - started) / 1000).toFixed(1)} s] ${message}\n`);
    };

    const stdlib = flags.stdlib !== undefined ? path.resolve(flags.stdlib) : await locatePythonStdlib();
    const heldOut = await readHeldOutFiles(stdlib);
    const spotRandom = new SeededRandom(seed);
    const projectFiles = new DiskProjectFiles(stdlib);
    const importedNames = await corpusImportedNames(heldOut, projectFiles);
    const spots = [
        ...pickSpots(heldOut, "line", lineSpotCount, spotRandom),
        ...pickSpots(heldOut, "block", Math.max(1, Math.floor(lineSpotCount / 2)), spotRandom),
        ...pickCrossFileSpots(heldOut, Math.max(1, Math.floor(lineSpotCount / 2)), spotRandom, (file) => importedNames.get(file.path) ?? new Set()),
    ];
    const functions = functionCount === 0 ? [] : await pickFunctions(heldOut.map((file) => file.path), functionCount, REPLAY_FILTER, new SeededRandom(seed + 7));
    progress(`model ${modelPath}; ${heldOut.length} held-out files, ${spots.length} spots, ${functions.length} functions, variants ${variants.map((variant) => variant.name).join(", ")}`);

    const wasmDirectory = locateTreeSitterWasmDirectory();
    const syntaxGuard = await createHeadlessSyntaxGuard(QUALITY_GUARD_BUDGET_MS);
    const workspaceContext = await createWorkspaceContext(projectFiles);
    const checker = await createShownSuggestionChecker(wasmDirectory);
    const figures = new Map<string, QualityFigures>();
    const samples: QualitySample[] = [];
    let loaded = { contextSize: 0, threads };
    return runBenchCommand("phi2-complete bench quality", [syntaxGuard, checker, workspaceContext], async () => {
        // One model load per host configuration; the variants of one configuration share it.
        for (const [speculative, shiftWindow] of [[false, true], [true, true], [false, false], [true, false]] as const) {
            const group = variants.filter((variant) => (variant.speculative ?? false) === speculative && (variant.shiftWindow ?? true) === shiftWindow);
            if (group.length === 0) continue;
            const client = createHeadlessHostClient(stderrLogger("host", flags.verbose ?? false));
            try {
                // The context is capped by the host at the model's trained context.
                const model = await client.load({
                    modelPath, gpu: "off", threads, contextSize: DEFAULT_COMPLETION_SETTINGS.contextTokens, sequences: DEFAULT_SEQUENCES, speculativeLookup: speculative, shiftWindow,
                });
                loaded = { contextSize: model.contextSize, threads: model.threads };
                const base = withSettings(DEFAULT_COMPLETION_SETTINGS, { contextTokens: model.contextSize, timeCapMs: QUALITY_TIME_CAP_MS });
                for (const variant of group) {
                    progress(`variant ${variant.name} (${variant.description})`);
                    const settings = variantSettings(base, variant);
                    const measurement = await measureVariant({
                        generator: client, settings, syntaxGuard: variant.syntaxGuard === false ? undefined : syntaxGuard,
                        checker, spots, replayFunctions: functions, seed, progress,
                        projectContext: spotContext(workspaceContext.context, projectFiles, variantContext(variant), contextBudgetTokens(settings)),
                    });
                    figures.set(variant.name, measurement.figures);
                    samples.push(...samplesOf(variant.name, measurement, variant.name === DEFAULT_VARIANT ? LISTED_SAMPLES : 0));
                }
            } finally {
                client.dispose();
            }
        }
        const main = figures.get(DEFAULT_VARIANT)!;
        const result: QualityResult = {
            version: 1,
            quick,
            seed,
            model: { path: modelPath, ...loaded },
            corpus: {
                stdlib, heldOutFiles: heldOut.length, lineSpots: spots.filter((spot) => spot.kind === "line").length, blockSpots: spots.filter((spot) => spot.kind === "block").length,
                crossFileSpots: spots.filter((spot) => spot.kind === "crossFile").length, replayFunctions: functions.length,
            },
            quality: {
                ...main,
                variants: Object.fromEntries(variants.map((variant) => [variant.name, { description: variant.description, ...figures.get(variant.name)! }])),
            },
            safetyTargetMet: meetsSafetyTarget(main),
            samples,
            durationMs: Math.round(performance.now() - started),
        };
        await writeBenchResult(result, flags, formatQualityTable);
    });
}

/**
 * Names each file binds by importing a module that is a file of the library (`from collections
 * import deque` -> deque, `import os.path` -> os): what its cross-file spots are made of.
 */
async function corpusImportedNames(files: readonly PythonFile[], projectFiles: DiskProjectFiles): Promise<Map<string, Set<string>>> {
    const names = new Map<string, Set<string>>();
    for (const file of files) {
        const relativePath = projectFiles.relativePathOf(file.path);
        if (relativePath === undefined) continue;
        const isCorpusModule = async (module: string): Promise<boolean> => {
            for (const candidate of moduleFileCandidates(relativePath, module)) if ((await projectFiles.read(candidate)) !== undefined) return true;
            return false;
        };
        const bound = new Set<string>();
        for (const { statement } of topLevelImports(createTextSnapshot(file.lines.join("\n")))) {
            const parsed = parseImportStatement(statement);
            if (parsed === undefined) continue;
            for (const name of parsed.names) {
                const module = parsed.fromModule ?? name.clause.split(/\s+as\s+/)[0]!;
                if (await isCorpusModule(module)) bound.add(name.bound);
            }
        }
        names.set(file.path, bound);
    }
    return names;
}

/**
 * The project context of a spot under a variant's mode. For "definitions+recent" the ring holds
 * the places of the spots visited before (the benchmark moves from spot to spot like a user moving
 * between files), never the spot's own file.
 */
function spotContext(context: ProjectContext, projectFiles: DiskProjectFiles, mode: ProjectContextMode, budgetTokens: number) {
    const recent = new RecentSnippets();
    return async (place: ContextPlace, document: DocumentSnapshot): Promise<RenderedProjectContext> => {
        const relativePath = projectFiles.relativePathOf(place.file);
        const rendered = await context.render({ document, relativePath, budgetTokens, mode, recent: recent.all });
        if (relativePath !== undefined) recent.remember(relativePath, (line) => place.lines[line] ?? "", place.lines.length, place.line);
        return rendered;
    };
}
