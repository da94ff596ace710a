// The typed message protocol between the extension (or CLI) and the model host child process.
// Shared by both sides; carries only plain JSON data. Every request has an id and can be cancelled.
import type { GenerationResult } from "../core/types";
import type { GenerateOptions, PrefillOptions, PrefillProgress, PrefillResult } from "../core/textGenerator";
import type { ThreadMeasurement } from "../core/model/threadChoice";

export const PROTOCOL_VERSION = 2;

/** Levels of the host's log lines; the clients' loggers take the same ones. */
export type LogLevel = "trace" | "debug" | "info" | "warn" | "error";

/** Why a request is cancelled: "stop" ends a generation as a stop rule would (stopReason "stopRule"), "cancel" as "cancelled". */
export type CancelReason = "cancel" | "stop";

/** Prompt tokens per prefill chunk by default: small enough that a cancel or a foreground request waits only briefly, large enough to batch well. */
export const DEFAULT_PREFILL_CHUNK_TOKENS = 64;
/**
 * Chunks of a background read (a prefill nobody waits for) by default: the completion the user
 * waits for can start only after the chunk being evaluated, which at Phi-2's ~15-35 prompt tokens
 * per second on a CPU is about half a second for 16 tokens against two to four for 64.
 */
export const DEFAULT_BACKGROUND_CHUNK_TOKENS = 16;

/**
 * Where the model runs: "auto" uses a GPU node-llama-cpp finds (CUDA, Vulkan, Metal) and falls back
 * to the CPU; a named backend asks for that one (and falls back to the CPU if it fails). "off" is
 * the older name of "cpu", still accepted.
 */
export type GpuMode = "auto" | "cpu" | "cuda" | "vulkan" | "metal" | "off";

export const GPU_MODES: readonly GpuMode[] = ["auto", "cpu", "cuda", "vulkan", "metal", "off"];

/** The mode a setting or flag names ("off" becomes "cpu"); undefined for anything else. */
export function normalizeGpuMode(value: string): Exclude<GpuMode, "off"> | undefined {
    if (value === "off") return "cpu";
    return (GPU_MODES as readonly string[]).includes(value) ? (value as Exclude<GpuMode, "off">) : undefined;
}

export interface LoadParams {
    readonly modelPath: string;
    readonly gpu: GpuMode;
    /** CPU threads for evaluation; always set from the machine (the library default oversubscribes). */
    readonly threads: number;
    /** Context size per sequence (tokens); capped at the model's trained context. */
    readonly contextSize: number;
    /** Number of KV sequences (document slots + one for explanations). */
    readonly sequences: number;
    /**
     * Prompt tokens evaluated per chunk; a cancel takes effect between chunks. Unset: 64 for a
     * request someone waits for, 16 for a background read (DEFAULT_BACKGROUND_CHUNK_TOKENS).
     */
    readonly prefillChunkTokens?: number;
    /**
     * Prompt-lookup speculative decoding (node-llama-cpp's InputLookupTokenPredictor): drafts
     * tokens by matching the recent output against the prompt. Same output, sometimes faster.
     */
    readonly speculativeLookup?: boolean;
    /**
     * Measure a short generation with each of these thread counts after loading and use the
     * fastest (core/model/threadChoice.ts) instead of `threads`; ModelInfo.threadMeasurements
     * says what was measured, so the caller can remember it.
     */
    readonly threadCandidates?: readonly number[];
    /**
     * Memory for the KV cache in MiB: `sequences` x `contextSize` are lowered to fit it
     * (core/model/kvCacheLayout.ts); ModelInfo says what was used. Absent or 0: no limit.
     */
    readonly kvCacheBudgetMb?: number;
    /**
     * When the prompt window's start moves down, erase the dropped tokens from the KV cache and
     * shift the rest instead of evaluating them again (default true; an approximation, see
     * modelHost/engine/windowShift.ts).
     */
    readonly shiftWindow?: boolean;
}

/**
 * KV sequences the extension loads (and the benchmark, to measure the same thing): recent
 * documents keep their cache, plus one slot for explanations.
 */
export const DEFAULT_SEQUENCES = 3;

export interface ModelInfo {
    readonly modelPath: string;
    readonly architecture: string;
    readonly trainContextSize: number;
    readonly contextSize: number;
    readonly sequences: number;
    readonly vocabularySize: number;
    /** "cuda" / "vulkan" / "metal" or false for CPU. */
    readonly gpu: string | false;
    /** Layers offloaded to the GPU (0 on the CPU). */
    readonly gpuLayers?: number;
    /** Set when the GPU was asked for but failed, and the model was loaded on the CPU instead: why. */
    readonly gpuFallback?: string;
    readonly threads: number;
    /** Generation speed per thread count, when LoadParams.threadCandidates asked for a measurement. */
    readonly threadMeasurements?: readonly ThreadMeasurement[];
    readonly loadMs: number;
}

/** The port's options as plain data: the signal and the callbacks become cancel and progress messages. */
export type GenerateParams = Omit<GenerateOptions, "signal" | "onText" | "onPrefillProgress" | "onKeyEvicted">;

export type PrefillParams = Omit<PrefillOptions, "signal" | "onPrefillProgress" | "onKeyEvicted">;

/** Sent after each evaluated chunk of a prompt longer than one chunk (generate and prefill). */
export interface PrefillProgressReport {
    readonly prefill: PrefillProgress;
}

/**
 * Sent once, before any evaluation, when a generate or prefill got the KV sequence that held
 * another key (more keys than sequences): that key's prompt is no longer cached.
 */
export interface KeyEvictedReport {
    readonly evictedKey: string;
}

export type PrefillResponse = PrefillResult;

export interface TokenizeParams {
    readonly text: string;
}

export interface HostStats {
    readonly loaded: boolean;
    readonly sequencesInUse: number;
    readonly rssBytes: number;
    /**
     * What V8 has committed for the host's JavaScript heap (part of rssBytes). It grows with
     * garbage until a major collection gives it back: RSS minus this is the native memory (llama.cpp).
     */
    readonly heapTotalBytes: number;
}

/**
 * The method table: each method name bound once to its params, its result and the progress payload
 * it may stream. The client's request function and the host's handler table are both typed by it.
 */
export interface HostMethods {
    load: { params: LoadParams; result: ModelInfo; progress: { readonly loadProgress: number } };
    generate: { params: GenerateParams; result: GenerationResult; progress: { readonly text: string } | PrefillProgressReport | KeyEvictedReport };
    prefill: { params: PrefillParams; result: PrefillResponse; progress: PrefillProgressReport | KeyEvictedReport };
    tokenize: { params: TokenizeParams; result: { readonly tokens: number }; progress: never };
    stats: { params: Record<string, never>; result: HostStats; progress: never };
    /** Frees the model and its contexts (e.g. before loading another file). */
}

export type HostMethod = keyof HostMethods;

export type HostErrorCode =
    | "MODEL_NOT_FOUND" // the file does not exist or cannot be read
    | "MODEL_INVALID" // not a GGUF file, truncated or corrupt
    | "WRONG_ARCHITECTURE" // a GGUF, but not phi2
    | "NOT_LOADED" // a request arrived before a successful load
    | "PROMPT_TOO_LONG" // the prompt does not fit the context
    | "BAD_REQUEST"
    | "INTERNAL";

export interface HostError {
    readonly code: HostErrorCode;
    readonly message: string;
}

// ---- client -> host -------------------------------------------------------------------------

/** A request for method M (generic, so a client's typed request function builds one without a cast). */
export interface RequestMessageOf<M extends HostMethod> {
    readonly kind: "request";
    readonly id: number;
    readonly method: M;
    readonly params: HostMethods[M]["params"];
}

export type RequestMessage = { [M in HostMethod]: RequestMessageOf<M> }[HostMethod];

export interface CancelMessage {
    readonly kind: "cancel";
    /** Id of the request to cancel. Generation returns its partial text with stopReason "cancelled". */
    readonly id: number;
    readonly reason?: CancelReason;
}

export type ClientMessage = RequestMessage | CancelMessage;

// ---- host -> client -------------------------------------------------------------------------

export interface ReadyMessage {
    readonly kind: "ready";
    readonly protocolVersion: number;
    readonly pid: number;
}

export type ResponseMessage =
    | { readonly kind: "response"; readonly id: number; readonly ok: true; readonly result: unknown }
    | { readonly kind: "response"; readonly id: number; readonly ok: false; readonly error: HostError };

export interface ProgressMessage {
    readonly kind: "progress";
    readonly id: number;
    readonly progress: unknown;
}

export interface LogMessage {
    readonly kind: "log";
    readonly level: LogLevel;
    readonly message: string;
}

/**
 * Sent every HEARTBEAT_INTERVAL_MS from the host's main thread: a client that hears nothing for
 * much longer treats the host as hung (stopped, or stuck in a synchronous call) and replaces it.
 */
export interface HeartbeatMessage {
    readonly kind: "heartbeat";
}

export const HEARTBEAT_INTERVAL_MS = 1000;

export type HostMessage = ReadyMessage | ResponseMessage | ProgressMessage | LogMessage | HeartbeatMessage;
