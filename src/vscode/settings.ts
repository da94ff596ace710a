// `phi2.*` settings: read once per change, mapped onto the model host's LoadParams and the core's
// CompletionSettings. The declarations (types, defaults, scopes) live in package.json; which keys
// need a model reload, in settingKeys.ts.
import * as os from "node:os";
import * as vscode from "vscode";
import { defaultThreadCount } from "../hostClient/defaultThreadCount";
import { DEFAULT_COMPLETION_SETTINGS, withSettings, type CompletionSettings, type MultilineMode } from "../core/completion/CompletionSettings";
import { MAX_ALTERNATIVES } from "../core/completion/CompletionEngine";
import type { TunableSetting } from "../core/completion/machineTuning";
import { DEFAULT_KV_CACHE_BUDGET_MB } from "../core/model/kvCacheLayout";
import { threadCandidates } from "../core/model/threadChoice";
import { DEFAULT_PROJECT_CONTEXT_MODE, PROJECT_CONTEXT_MODES, type ProjectContextMode } from "../core/context/ProjectContext";
import { DEFAULT_SEQUENCES, normalizeGpuMode, type GpuMode, type LoadParams } from "../protocol/modelHostProtocol";
import { needsModelReload } from "./settingKeys";

export const SETTINGS_SECTION = "phi2";

/** Where the model runs: this machine's model host, or a team's llama-server (phi2.server.url). */
export type Backend = "local" | "server";

export interface Phi2Settings {
    readonly enable: boolean;
    readonly backend: Backend;
    /** phi2.server.url, trimmed ("" when not set). */
    readonly serverUrl: string;
    /** Absolute path of the Phi-2 GGUF, "" when not configured. `~` is expanded. */
    readonly modelPath: string;
    readonly gpu: GpuMode;
    /** Resolved thread count (the setting's 0 means cores - 1, or the count measured fastest). */
    readonly threads: number;
    /** phi2.threads was set (not 0): no measurement, that count is used. */
    readonly threadsExplicit: boolean;
    /** KV cache memory in MiB (phi2.kvCacheBudgetMb; 0 = no limit). */
    readonly kvCacheBudgetMb: number;
    /** How long a pause waits for ghost text, from the keystroke (phi2.latencyBudgetMs; 0 = whole suggestions only). */
    readonly latencyBudgetMs: number;
    /** Completion budgets the user set; the others are tuned to the measured speed. */
    readonly explicitTunables: ReadonlySet<TunableSetting>;
    readonly contextSize: number;
    /** Prompt-lookup speculative decoding (off by default: measured slower on the benchmark). */
    readonly speculativeDecoding: boolean;
    readonly maxTokens: number;
    readonly maxPromptTokens: number;
    readonly multiline: MultilineMode;
    readonly timeCapMs: number;
    /** Upper bound of the typing pause before a request (the engine adapts below it). */
    readonly debounceMs: number;
    /** Warm the model's cache where the cursor lands (an opened Python editor, a jump). */
    readonly backgroundPrefill: boolean;
    /** Most tokens in one explanation (`phi2.explain.maxTokens`). */
    readonly explainMaxTokens: number;
    /** Project context in the completion prompt (`phi2.context`). */
    readonly context: ProjectContextMode;
    /** Suggestions offered when the user asks for them (`phi2.alternatives`). */
    readonly alternatives: number;
    /** Unload the model after this many minutes without requests (0 = never). */
    readonly idleUnloadMinutes: number;
}

/** Default of phi2.idleUnloadMinutes (package.json declares the same). */
export const DEFAULT_IDLE_UNLOAD_MINUTES = 15;

/** Minutes may be fractional (tests use seconds); a day is the longest wait that means anything. */
function nonNegative(value: number, fallback: number): number {
    return Number.isFinite(value) ? Math.min(1440, Math.max(0, value)) : fallback;
}

/** Default of phi2.explain.maxTokens (package.json declares the same). */
export const DEFAULT_EXPLAIN_MAX_TOKENS = 512;


export function readSettings(): Phi2Settings {
    const config = vscode.workspace.getConfiguration(SETTINGS_SECTION);
    const integer = (key: string, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): number => {
        const value = config.get<number>(key, fallback);
        return Number.isFinite(value) ? Math.min(max, Math.max(min, Math.round(value))) : fallback;
    };
    const multiline = config.get<string>("multiline", "auto");
    const threadsSetting = integer("threads", 0, 0, 256);
    return {
        enable: config.get<boolean>("enable", true),
        backend: config.get<string>("backend", "local") === "server" ? "server" : "local",
        serverUrl: config.get<string>("server.url", "").trim(),
        modelPath: expandHome(config.get<string>("modelPath", "").trim()),
        gpu: normalizeGpuMode(config.get<string>("gpu", "auto")) ?? "auto",
        threads: resolveThreads(threadsSetting),
        threadsExplicit: threadsSetting > 0,
        kvCacheBudgetMb: integer("kvCacheBudgetMb", DEFAULT_KV_CACHE_BUDGET_MB, 0, 1 << 20),
        latencyBudgetMs: integer("latencyBudgetMs", DEFAULT_COMPLETION_SETTINGS.latencyBudgetMs, 0, 60_000),
        explicitTunables: explicitTunables(config),
        contextSize: integer("contextSize", 2048, 256, 2048),
        speculativeDecoding: config.get<boolean>("speculativeDecoding", false),
        maxTokens: integer("maxTokens", DEFAULT_COMPLETION_SETTINGS.maxTokens, 1, 512),
        maxPromptTokens: integer("maxPromptTokens", DEFAULT_COMPLETION_SETTINGS.maxPromptTokens, 64, 2048),
        multiline: multiline === "always" || multiline === "never" ? multiline : "auto",
        timeCapMs: integer("timeCapMs", DEFAULT_COMPLETION_SETTINGS.timeCapMs, 100, 60_000),
        debounceMs: integer("debounceMs", DEFAULT_COMPLETION_SETTINGS.debounce.maxMs, 0, 5_000),
        backgroundPrefill: config.get<boolean>("backgroundPrefill", true),
        explainMaxTokens: integer("explain.maxTokens", DEFAULT_EXPLAIN_MAX_TOKENS, 16, 1536),
        alternatives: integer("alternatives", MAX_ALTERNATIVES, 1, MAX_ALTERNATIVES),
        context: projectContextMode(config.get<string>("context", DEFAULT_PROJECT_CONTEXT_MODE)),
        idleUnloadMinutes: nonNegative(config.get<number>("idleUnloadMinutes", DEFAULT_IDLE_UNLOAD_MINUTES), DEFAULT_IDLE_UNLOAD_MINUTES),
    };
}

/** The setting behind each tunable budget: set by the user (any scope), it wins over tuning. */
const TUNABLE_KEYS: Readonly<Record<TunableSetting, string>> = {
    maxPromptTokens: "maxPromptTokens",
    maxTokens: "maxTokens",
    timeCapMs: "timeCapMs",
    debounce: "debounceMs",
};

function explicitTunables(config: vscode.WorkspaceConfiguration): Set<TunableSetting> {
    const set = new Set<TunableSetting>();
    for (const [tunable, key] of Object.entries(TUNABLE_KEYS) as [TunableSetting, string][]) {
        const inspected = config.inspect(key);
        if (inspected && (inspected.globalValue !== undefined || inspected.workspaceValue !== undefined || inspected.workspaceFolderValue !== undefined)) set.add(tunable);
    }
    return set;
}

function projectContextMode(value: string): ProjectContextMode {
    return (PROJECT_CONTEXT_MODES as readonly string[]).includes(value) ? value as ProjectContextMode : DEFAULT_PROJECT_CONTEXT_MODE;
}

/** 0 means "cores - 1" (defaultThreadCount). */
export function resolveThreads(setting: number): number {
    return setting > 0 ? setting : defaultThreadCount();
}

function expandHome(filePath: string): string {
    if (filePath === "~") return os.homedir();
    if (filePath.startsWith("~/")) return os.homedir() + filePath.slice(1);
    return filePath;
}

/**
 * `rememberedThreads`: the count measured fastest on this machine before (ModelManager keeps it).
 * Without phi2.threads or a remembered count, the host measures the candidates at load.
 */
export function toLoadParams(settings: Phi2Settings, rememberedThreads?: number): LoadParams {
    const measure = !settings.threadsExplicit && rememberedThreads === undefined;
    return {
        modelPath: settings.modelPath,
        gpu: settings.gpu,
        threads: settings.threadsExplicit ? settings.threads : rememberedThreads ?? settings.threads,
        contextSize: settings.contextSize,
        sequences: DEFAULT_SEQUENCES,
        speculativeLookup: settings.speculativeDecoding,
        kvCacheBudgetMb: settings.kvCacheBudgetMb,
        ...(measure ? { threadCandidates: threadCandidates(os.availableParallelism()) } : {}),
    };
}

/** `modelContextSize`: the context the model in use really has (a llama-server slot may have less than the setting). */
export function toCompletionSettings(settings: Phi2Settings, modelContextSize?: number): CompletionSettings {
    const defaults = DEFAULT_COMPLETION_SETTINGS.debounce;
    return withSettings(DEFAULT_COMPLETION_SETTINGS, {
        maxTokens: settings.maxTokens,
        contextTokens: Math.min(settings.contextSize, modelContextSize ?? settings.contextSize),
        maxPromptTokens: settings.maxPromptTokens,
        multiline: settings.multiline,
        timeCapMs: settings.timeCapMs,
        latencyBudgetMs: settings.latencyBudgetMs,
        // A server reads prompts ~100x faster than this CPU: per-keystroke prefills would only add requests to a shared server.
        prefillWhileTyping: settings.backgroundPrefill && settings.backend === "local",
        debounce: {
            maxMs: settings.debounceMs,
            warmMs: Math.min(defaults.warmMs, settings.debounceMs),
            coldMs: Math.min(defaults.coldMs, settings.debounceMs),
        },
    });
}

/** What a configuration change touches: any `phi2.*` setting, and one that may need a model reload (settingKeys.ts). */
export interface SettingsChange {
    readonly affectsPhi2: boolean;
    readonly mayNeedModelReload: boolean;
}

export function describeSettingsChange(event: vscode.ConfigurationChangeEvent): SettingsChange {
    const affectsPhi2 = event.affectsConfiguration(SETTINGS_SECTION);
    return { affectsPhi2, mayNeedModelReload: affectsPhi2 && needsModelReload((key) => event.affectsConfiguration(key)) };
}
