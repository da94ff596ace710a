// Owns llama.cpp inside the host process: the model, one context with several KV sequences, prefix
// reuse, chunked cancellable prefill, token-by-token generation with exact text and counters.
import {
    getLlama,
    InputLookupTokenPredictor,
    LlamaLogLevel,
    type Llama,
    type LlamaContext,
    type LlamaContextSequence,
    type LlamaModel,
    type Token,
} from "node-llama-cpp";
import type { GenerationCounters, GenerationResult, StopReason } from "../../core/types";
import { Vocabulary } from "../../core/decoding/detokenizer";
import type { PrefillProgress } from "../../core/textGenerator";
import {
    DEFAULT_BACKGROUND_CHUNK_TOKENS,
    DEFAULT_PREFILL_CHUNK_TOKENS,
    normalizeGpuMode,
    type CancelReason,
    type GenerateParams,
    type GpuMode,
    type HostStats,
    type LoadParams,
    type LogLevel,
    type ModelInfo,
    type PrefillParams,
    type PrefillResponse,
} from "../../protocol/modelHostProtocol";
import { fitKvCache } from "../../core/model/kvCacheLayout";
import { fastestThreadCount, type ThreadMeasurement } from "../../core/model/threadChoice";
import { HostFailure } from "./HostFailure";
import { inspectModelFile, vocabularyOf } from "./modelFile";
import { PriorityGate } from "./PriorityGate";
import { SequencePool } from "./SequencePool";
import { StopStringMatcher } from "../../core/decoding/StopStringMatcher";
import { droppedRangeLength } from "./windowShift";
import { errorText } from "../../core/errorText";

/** llama.cpp evaluation priorities (1-5): foreground chunks win a shared batch. */
const FOREGROUND_PRIORITY = 5;
const BACKGROUND_PRIORITY = 1;

export type HostLogger = (level: LogLevel, message: string) => void;

interface LoadedModel {
    readonly model: LlamaModel;
    readonly context: LlamaContext;
    readonly pool: SequencePool<LlamaContextSequence>;
    readonly vocabulary: Vocabulary;
    readonly info: ModelInfo;
    readonly chunkTokens: number;
    /** Chunks of a background read: a foreground request waits for the one being evaluated. */
    readonly backgroundChunkTokens: number;
    /** Erase + shift for window steps (windowShift.ts). */
    readonly shiftWindow: boolean;
}

interface PromptEvaluation {
    readonly reusedTokens: number;
    readonly completed: boolean;
    /**
     * Tokens whose positions a window shift moved: the token meter counts them as input, but a
     * shift only rotates their keys, it does not evaluate them (the counters leave them out).
     */
    readonly shiftedTokens: number;
}

export class ModelEngine {
    private readonly llamas = new Map<GpuMode, Promise<Llama>>();
    private loaded: LoadedModel | undefined;
    private readonly gate = new PriorityGate();

    constructor(private readonly log: HostLogger) {}

    async load(params: LoadParams, onProgress: (loadProgress: number) => void): Promise<ModelInfo> {
        const started = performance.now();
        // The previous model goes first, also when the new file turns out to be unusable: after a
        // failed load nothing is loaded, which is what the client's error state says.
        await this.unload();
        const fileInfo = await inspectModelFile(params.modelPath);
        const gpu = normalizeGpuMode(params.gpu) ?? "cpu";
        if (gpu === "cpu") return this.loadOn("cpu", params, fileInfo, started, onProgress);
        try {
            return await this.loadOn(gpu, params, fileInfo, started, onProgress);
        } catch (error) {
            // A GPU that fails (no driver, no binary for it, out of video memory) must not leave the
            // user without completions: load on the CPU once, and say why.
            const reason = errorText(error);
            this.log("warn", `Loading on the GPU (${gpu}) failed, loading on the CPU instead: ${reason}`);
            await this.unload();
            const info = await this.loadOn("cpu", params, fileInfo, started, onProgress);
            return { ...info, gpuFallback: reason };
        }
    }

    private async loadOn(
        gpu: Exclude<GpuMode, "off">,
        params: LoadParams,
        fileInfo: Awaited<ReturnType<typeof inspectModelFile>>,
        started: number,
        onProgress: (loadProgress: number) => void,
    ): Promise<ModelInfo> {
        const { pieces, types } = vocabularyOf(fileInfo);
        const llama = await this.llamaFor(gpu);
        let model: LlamaModel;
        try {
            model = await llama.loadModel({
                modelPath: params.modelPath,
                gpuLayers: gpu === "cpu" ? 0 : "auto",
                useMmap: useMmapFor(llama.gpu),
                onLoadProgress: onProgress,
            });
        } catch (error) {
            throw new HostFailure("MODEL_INVALID", `llama.cpp could not load ${params.modelPath}: ${errorText(error)}. The file may be truncated or corrupt; download it again.`);
        }
        const trainContextSize = model.trainContextSize;
        const hyper = fileInfo.hyperparameters;
        const wanted = { sequences: params.sequences, contextSize: Math.min(params.contextSize, trainContextSize) };
        const layout = params.kvCacheBudgetMb && params.kvCacheBudgetMb > 0
            ? fitKvCache({ blocks: hyper.blocks, kvWidth: hyper.headsKv * hyper.headDim }, params.kvCacheBudgetMb * 1024 * 1024, wanted)
            : wanted;
        const contextSize = layout.contextSize;
        let threads = params.threads;
        let threadMeasurements: ThreadMeasurement[] | undefined;
        if (params.threadCandidates && params.threadCandidates.length > 1) {
            threadMeasurements = await measureThreads(model, params.threadCandidates);
            threads = fastestThreadCount(threadMeasurements) ?? threads;
            this.log("info", `Generation speed by threads: ${threadMeasurements.map((m) => `${m.threads}: ${m.generatedTokensPerS} tok/s`).join(", ")}; using ${threads}.`);
        }
        let context: LlamaContext;
        try {
            context = await model.createContext({
                contextSize,
                sequences: layout.sequences,
                threads,
                failedCreationRemedy: false,
            });
        } catch (error) {
            await model.dispose();
            throw new HostFailure(
                "INTERNAL",
                `Could not create a context of ${contextSize} tokens x ${layout.sequences} sequences: ${errorText(error)}. The machine may be out of memory: lower the context size (setting phi2.contextSize, CLI --context).`,
            );
        }
        const sequences: LlamaContextSequence[] = [];
        for (let index = 0; index < layout.sequences; index++) {
            sequences.push(context.getSequence(params.speculativeLookup ? { tokenPredictor: new InputLookupTokenPredictor() } : {}));
        }
        const info: ModelInfo = {
            modelPath: params.modelPath,
            architecture: fileInfo.architecture,
            trainContextSize,
            contextSize: context.contextSize,
            sequences: layout.sequences,
            vocabularySize: pieces.length,
            gpu: model.gpuLayers > 0 ? String(llama.gpu) : false,
            gpuLayers: model.gpuLayers,
            threads,
            ...(threadMeasurements ? { threadMeasurements } : {}),
            loadMs: Math.round(performance.now() - started),
        };
        this.loaded = {
            model,
            context,
            pool: new SequencePool(sequences),
            vocabulary: new Vocabulary(pieces, types),
            info,
            chunkTokens: params.prefillChunkTokens ?? DEFAULT_PREFILL_CHUNK_TOKENS,
            // A chunk size set for the load (tests) applies to both.
            backgroundChunkTokens: params.prefillChunkTokens ?? DEFAULT_BACKGROUND_CHUNK_TOKENS,
            shiftWindow: params.shiftWindow ?? true,
        };
        this.log("info", `Loaded ${params.modelPath}: context ${info.contextSize} x ${info.sequences} sequences, ${info.threads} threads, ${info.gpu ? `${info.gpu} with ${info.gpuLayers} layers offloaded` : "on the CPU"}, ${info.loadMs} ms`);
        return info;
    }

    async unload(): Promise<boolean> {
        const loaded = this.loaded;
        if (!loaded) return false;
        this.loaded = undefined;
        await loaded.context.dispose();
        await loaded.model.dispose();
        return true;
    }

    countTokens(text: string): number {
        return this.requireLoaded().model.tokenize(text).length;
    }

    stats(): HostStats {
        const memory = process.memoryUsage();
        return {
            loaded: this.loaded !== undefined,
            sequencesInUse: this.loaded?.pool.keysInUse ?? 0,
            rssBytes: memory.rss,
            heapTotalBytes: memory.heapTotal,
        };
    }

    /** `onKeyEvicted`: this request's key got the sequence of another key, whose prompt is no longer cached (called before any evaluation). */
    async prefill(
        params: PrefillParams,
        signal: AbortSignal,
        onPrefillProgress?: (progress: PrefillProgress) => void,
        onKeyEvicted?: (evictedKey: string) => void,
    ): Promise<PrefillResponse> {
        const { receivedAt, loaded, tokens } = this.begin(params.prompt);
        const background = params.priority !== "foreground";
        // A prefill may stop early (what it evaluated stays cached), so it gives its sequence up to a completion that finds none free.
        return this.withSequence(loaded, params.sequenceKey, { background, yieldsSequence: true, onKeyEvicted }, signal, async (sequence, requestSignal) => {
            const meterBefore = sequence.tokenMeter.getState();
            const evaluation = await this.evaluatePrompt(loaded, sequence, tokens, background, requestSignal, onPrefillProgress);
            const prefillMs = performance.now() - receivedAt;
            return {
                completed: evaluation.completed,
                counters: countersOf(tokens.length, evaluation.reusedTokens, tokensSent(sequence, meterBefore) - evaluation.shiftedTokens, 0, prefillMs, 0, receivedAt),
            };
        }, () => ({ completed: false, counters: countersOf(tokens.length, 0, 0, 0, 0, 0, receivedAt) }));
    }

    async generate(
        params: GenerateParams,
        signal: AbortSignal,
        onText: (text: string) => void,
        onPrefillProgress?: (progress: PrefillProgress) => void,
        onKeyEvicted?: (evictedKey: string) => void,
    ): Promise<GenerationResult> {
        const { receivedAt, loaded, tokens } = this.begin(params.prompt);
        const background = params.priority === "background";
        const cancelledEarly = (): GenerationResult => ({
            text: "",
            stopReason: stopReasonOfAbort(signal),
            counters: countersOf(tokens.length, 0, 0, 0, 0, 0, receivedAt),
        });
        return this.withSequence(loaded, params.sequenceKey, { background, yieldsSequence: false, onKeyEvicted }, signal, async (sequence, requestSignal) => {
            const meterAtStart = sequence.tokenMeter.getState();
            // The last prompt token is evaluated by the generating call: its logits give the first new token.
            const lastToken = tokens[tokens.length - 1] as Token;
            const evaluation = await this.evaluatePrompt(loaded, sequence, tokens.slice(0, -1), background, requestSignal, onPrefillProgress);
            const meterBefore = { ...meterAtStart, usedInputTokens: meterAtStart.usedInputTokens + evaluation.shiftedTokens };
            if (!evaluation.completed || requestSignal.aborted) {
                return {
                    text: "",
                    stopReason: stopReasonOfAbort(requestSignal),
                    counters: countersOf(tokens.length, evaluation.reusedTokens, tokensSent(sequence, meterBefore), 0, performance.now() - receivedAt, 0, receivedAt),
                };
            }
            return this.generateFrom(loaded, sequence, lastToken, params, requestSignal, onText, {
                receivedAt,
                promptTokens: tokens.length,
                reusedTokens: evaluation.reusedTokens,
                meterBefore,
            });
        }, cancelledEarly);
    }

    private async generateFrom(
        loaded: LoadedModel,
        sequence: LlamaContextSequence,
        lastPromptToken: Token,
        params: GenerateParams,
        signal: AbortSignal,
        onText: (text: string) => void,
        start: { receivedAt: number; promptTokens: number; reusedTokens: number; meterBefore: { usedInputTokens: number; usedOutputTokens: number } },
    ): Promise<GenerationResult> {
        const temperature = params.temperature ?? 0;
        const background = params.priority === "background";
        const iterator = sequence.evaluate([lastPromptToken], {
            temperature,
            ...(params.seed !== undefined ? { seed: params.seed } : {}),
            evaluationPriority: background ? BACKGROUND_PRIORITY : FOREGROUND_PRIORITY,
        });
        const textStream = loaded.vocabulary.createStream();
        const stopMatcher = new StopStringMatcher(params.stopStrings);
        let text = "";
        let generatedTokens = 0;
        let evaluatedTokens = 0;
        let prefillEnd: number | undefined;
        let stopReason: StopReason | undefined;
        const emit = (chunk: string): void => {
            if (chunk.length === 0) return;
            text += chunk;
            onText(chunk);
        };
        try {
            while (stopReason === undefined) {
                if (background) {
                    // An explanation must not slow a completion down by more than one token: it
                    // waits here, between tokens, while a foreground request runs. The iterator
                    // (and the sequence's KV state) simply stays where it is meanwhile.
                    await this.gate.backgroundTurn(signal);
                    if (signal.aborted) {
                        stopReason = stopReasonOfAbort(signal);
                        break;
                    }
                }
                const next = await iterator.next();
                if (prefillEnd === undefined) {
                    prefillEnd = performance.now();
                    evaluatedTokens = tokensSent(sequence, start.meterBefore);
                }
                if (next.done) {
                    stopReason = "eos";
                    break;
                }
                generatedTokens++;
                const scan = stopMatcher.push(textStream.push(next.value));
                emit(scan.emit);
                if (scan.stopped) stopReason = "stopRule";
                else if (signal.aborted) stopReason = stopReasonOfAbort(signal);
                else if (generatedTokens >= params.maxTokens) stopReason = "maxTokens";
                else if (sequence.nextTokenIndex >= loaded.info.contextSize - 1) stopReason = "contextFull";
                else if (timeCapReached(params.timeCapMs, prefillEnd, text.length > 0 || stopMatcher.hasPending)) stopReason = "timeCap";
            }
        } finally {
            await iterator.return();
        }
        if (stopReason !== "stopRule") emit(stopMatcher.flush());
        // Cancelled before the first token: the prompt tokens sent so far still count.
        if (prefillEnd === undefined) evaluatedTokens = tokensSent(sequence, start.meterBefore);
        const end = performance.now();
        const prefillMs = (prefillEnd ?? end) - start.receivedAt;
        return {
            text,
            stopReason,
            counters: countersOf(start.promptTokens, start.reusedTokens, evaluatedTokens, generatedTokens, prefillMs, end - (prefillEnd ?? end), start.receivedAt),
        };
    }

    /**
     * Keeps the longest common prefix of `tokens` with the sequence's cache, erases the rest and
     * evaluates the remainder chunk by chunk; a cancel takes effect between chunks and the part
     * evaluated so far stays cached for the next request. A prompt longer than one chunk reports
     * its progress after each chunk (the editor's status bar shows how far a long read got).
     */
    private async evaluatePrompt(
        loaded: LoadedModel,
        sequence: LlamaContextSequence,
        tokens: readonly Token[],
        background: boolean,
        signal: AbortSignal,
        onProgress?: (progress: PrefillProgress) => void,
    ): Promise<PromptEvaluation> {
        let { firstDifferentIndex } = sequence.compareContextTokens(tokens as Token[]);
        let shiftedTokens = 0;
        // (At 0 there is nothing kept to shift towards: llama.cpp would drop the whole sequence.)
        if (loaded.shiftWindow && firstDifferentIndex > 0 && firstDifferentIndex < sequence.nextTokenIndex) {
            const dropped = droppedRangeLength(sequence.contextTokens, tokens, firstDifferentIndex);
            if (dropped !== undefined) {
                const before = sequence.tokenMeter.getState();
                await sequence.eraseContextTokenRanges([{ start: firstDifferentIndex, end: firstDifferentIndex + dropped }]);
                shiftedTokens = tokensSent(sequence, before);
                ({ firstDifferentIndex } = sequence.compareContextTokens(tokens as Token[]));
                this.log("debug", `Window step: ${dropped} tokens erased, ${shiftedTokens} shifted instead of evaluated again.`);
            }
        }
        const reusedTokens = Math.min(firstDifferentIndex, tokens.length);
        if (reusedTokens < sequence.nextTokenIndex) {
            await sequence.eraseContextTokenRanges([{ start: reusedTokens, end: sequence.nextTokenIndex }]);
        }
        const priority = background ? BACKGROUND_PRIORITY : FOREGROUND_PRIORITY;
        const firstNew = sequence.nextTokenIndex;
        const chunkTokens = background ? loaded.backgroundChunkTokens : loaded.chunkTokens;
        const report = onProgress && tokens.length - firstNew > chunkTokens
            ? (evaluatedUpTo: number) => onProgress({ evaluatedTokens: evaluatedUpTo - firstNew, tokensToEvaluate: tokens.length - firstNew })
            : undefined;
        report?.(firstNew);
        for (let index = firstNew; index < tokens.length; index += chunkTokens) {
            if (background) await this.gate.backgroundTurn(signal);
            if (signal.aborted) return { reusedTokens, completed: false, shiftedTokens };
            await sequence.evaluateWithoutGeneratingNewTokens(tokens.slice(index, index + chunkTokens), { evaluationPriority: priority });
            report?.(Math.min(index + chunkTokens, tokens.length));
        }
        return { reusedTokens, completed: !signal.aborted || sequence.nextTokenIndex >= tokens.length, shiftedTokens };
    }

    /**
     * Runs `work` with the sequence of `key`. A background holder of the same key is asked to stop
     * at its next chunk or token. Foreground requests hold the priority gate while they run: only
     * once they have their sequence, because a background request parked at the gate keeps its
     * sequence, and a completion waiting for that very sequence would wait forever. When the pool
     * hands `key` a sequence another key held, `onKeyEvicted` says which key lost its cache at
     * once, so the client stops counting on it (a cold read can take seconds before the result).
     */
    private async withSequence<T>(
        loaded: LoadedModel,
        key: string,
        kind: { background: boolean; yieldsSequence: boolean; onKeyEvicted: ((evictedKey: string) => void) | undefined },
        signal: AbortSignal,
        work: (sequence: LlamaContextSequence, signal: AbortSignal) => Promise<T>,
        whenCancelledWaiting: () => T,
    ): Promise<T> {
        const { background } = kind;
        const preemption = new AbortController();
        const stepAside = (): void => preemption.abort("cancel");
        const requestSignal = background ? AbortSignal.any([signal, preemption.signal]) : signal;
        let lease;
        try {
            lease = await loaded.pool.acquire(key, {
                background,
                signal,
                onPreempt: stepAside,
                onSlotWanted: kind.yieldsSequence ? stepAside : undefined,
            });
        } catch (error) {
            if (signal.aborted) return whenCancelledWaiting();
            throw error;
        }
        if (lease.evictedKey !== undefined) {
            this.log("debug", `The KV sequence of ${lease.evictedKey} was handed to ${key}.`);
            kind.onKeyEvicted?.(lease.evictedKey);
        }
        const leaveForeground = background ? undefined : this.gate.enterForeground();
        try {
            return await work(lease.sequence, requestSignal);
        } finally {
            leaveForeground?.();
            lease.release();
        }
    }

    /** What a generate or prefill starts from: when it arrived (its counters' clock), the model, the prompt's tokens. */
    private begin(prompt: string): { readonly receivedAt: number; readonly loaded: LoadedModel; readonly tokens: Token[] } {
        const receivedAt = performance.now();
        const loaded = this.requireLoaded();
        return { receivedAt, loaded, tokens: this.promptTokens(loaded, prompt) };
    }

    private promptTokens(loaded: LoadedModel, prompt: string): Token[] {
        let tokens = loaded.model.tokenize(prompt);
        if (tokens.length === 0) {
            // An empty document: start from <|endoftext|>, as GPT-2-style models do for unconditional text.
            const start = loaded.model.tokens.bos ?? loaded.model.tokens.eos;
            if (start == null) throw new HostFailure("BAD_REQUEST", "The prompt is empty.");
            tokens = [start];
        }
        // Room for the prompt plus at least one generated token.
        if (tokens.length >= loaded.info.contextSize - 1) {
            throw new HostFailure(
                "PROMPT_TOO_LONG",
                `The prompt has ${tokens.length} tokens but the context holds ${loaded.info.contextSize}; shorten the prompt window.`,
            );
        }
        return tokens;
    }

    private requireLoaded(): LoadedModel {
        if (!this.loaded) throw new HostFailure("NOT_LOADED", "No model is loaded yet.");
        return this.loaded;
    }

    private llamaFor(gpu: Exclude<GpuMode, "off">): Promise<Llama> {
        let llama = this.llamas.get(gpu);
        if (!llama) {
            llama = getLlama({
                gpu: llamaGpuOption(gpu),
                build: "never",
                logLevel: LlamaLogLevel.error,
                progressLogs: false,
                logger: (level, message) => {
                    const text = message.trim();
                    if (text.length > 0) this.log(level === LlamaLogLevel.warn ? "warn" : "error", `llama.cpp: ${text}`);
                },
            });
            llama.catch(() => this.llamas.delete(gpu));
            this.llamas.set(gpu, llama);
        }
        return llama.catch((error: unknown) => {
            throw new HostFailure("INTERNAL", `The llama.cpp runtime${gpu === "cpu" ? "" : ` for ${gpu}`} could not start (${errorText(error)}). Try the CPU (setting phi2.gpu "cpu", CLI --gpu cpu).`);
        });
    }
}

/**
 * The runtime to start. On Apple Silicon the only prebuilt binary is the Metal one (a CPU-only
 * request finds no binary), so "off" starts it and relies on gpuLayers 0 to keep the model on the CPU.
 */
function llamaGpuOption(gpu: Exclude<GpuMode, "off">): false | "auto" | "cuda" | "vulkan" | "metal" {
    const onlyMetalBinaryExists = process.platform === "darwin" && process.arch === "arm64";
    if (gpu === "cpu") return onlyMetalBinaryExists ? "auto" : false;
    return gpu;
}

function stopReasonOfAbort(signal: AbortSignal): StopReason {
    return (signal.reason as CancelReason | undefined) === "stop" ? "stopRule" : "cancelled";
}

/** Tokens sent to llama_decode since `before` (input plus the ones whose logits were read). */
function tokensSent(sequence: LlamaContextSequence, before: { usedInputTokens: number; usedOutputTokens: number }): number {
    const diff = sequence.tokenMeter.diff(before);
    return diff.usedInputTokens + diff.usedOutputTokens;
}

function countersOf(
    promptTokens: number,
    reusedTokens: number,
    evaluatedTokens: number,
    generatedTokens: number,
    prefillMs: number,
    generateMs: number,
    receivedAt: number,
): GenerationCounters {
    return {
        promptTokens,
        reusedTokens,
        evaluatedTokens,
        generatedTokens,
        prefillMs: Math.round(prefillMs * 10) / 10,
        generateMs: Math.round(generateMs * 10) / 10,
        totalMs: Math.round((performance.now() - receivedAt) * 10) / 10,
    };
}

/** A short code prompt and generation per thread count: seconds on Phi-2 on a CPU, milliseconds on small models. */
const THREAD_PROBE_PROMPT = "import os\n\n\ndef read_lines(path):\n    with open(path) as handle:\n";
const THREAD_PROBE_TOKENS = 6;
const THREAD_PROBE_CONTEXT = 256;

/** Generation speed with each thread count, in a small context of its own (freed after). */
async function measureThreads(model: LlamaModel, candidates: readonly number[]): Promise<ThreadMeasurement[]> {
    const prompt = model.tokenize(THREAD_PROBE_PROMPT);
    const measurements: ThreadMeasurement[] = [];
    for (const threads of candidates) {
        const context = await model.createContext({ contextSize: THREAD_PROBE_CONTEXT, sequences: 1, threads, failedCreationRemedy: false });
        try {
            const sequence = context.getSequence();
            const promptStarted = performance.now();
            await sequence.evaluateWithoutGeneratingNewTokens(prompt.slice(0, -1));
            const promptMs = performance.now() - promptStarted;
            const iterator = sequence.evaluate(prompt.slice(-1), { temperature: 0 });
            // The first token comes with the prompt's last one: timing starts after it.
            await iterator.next();
            const started = performance.now();
            let generated = 0;
            while (generated < THREAD_PROBE_TOKENS && !(await iterator.next()).done) generated++;
            await iterator.return();
            const ms = performance.now() - started;
            measurements.push({
                threads,
                generatedTokensPerS: ms > 0 && generated > 0 ? Number(((generated / ms) * 1000).toFixed(2)) : 0,
                promptTokensPerS: promptMs > 0 ? Number((((prompt.length - 1) / promptMs) * 1000).toFixed(2)) : 0,
            });
        } finally {
            await context.dispose();
        }
    }
    return measurements;
}

/**
 * The time cap counts generation only, from the first generated token: a long prompt evaluation
 * (tens of seconds for a new place on a CPU) must not leave one token of generation time, or the
 * expensive prefill ends in an empty-looking suggestion. Never an empty timeout: the cap applies
 * once there is some text to return.
 */
export function timeCapReached(timeCapMs: number | undefined, generationStartedAt: number, hasText: boolean, now = performance.now()): boolean {
    return timeCapMs !== undefined && hasText && now - generationStartedAt >= timeCapMs;
}

/**
 * On the CPU, llama.cpp repacks Q4_K/Q4_0 weights into an interleaved copy for its SIMD kernels:
 * with mmap the mapped file pages stay resident next to that copy (Phi-2 Q4_K_M: 3.5 GB RSS for a
 * 1.8 GB file). Read into memory instead, the weights exist once (1.9 GB). GPUs keep mmap, which
 * they only stream from.
 */
export function useMmapFor(gpu: Llama["gpu"]): boolean | "auto" {
    return gpu === false ? false : "auto";
}
