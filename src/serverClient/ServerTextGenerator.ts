// The core's TextGenerator on a llama-server (a team's shared engine) instead of the local model
// host: streamed /completion with the prompt cached in a slot per document, greedy sampling, the
// host's stop strings, time cap and cancellation (closing the stream stops the server's work), and
// exact text: the streamed token ids are decoded with the project's detokenizer, never the
// server's text. Counters come from the server's `timings` (prompt_n, cache_n, predicted_n).
import type { GenerateOptions, PrefillOptions, PrefillResult, TextGenerator } from "../core/textGenerator";
import type { GenerationCounters, GenerationResult, StopReason } from "../core/types";
import { END_OF_TEXT_TOKEN } from "../core/phi2TokenTable";
import { StopStringMatcher } from "../core/decoding/StopStringMatcher";
import type { CompletionBody, CompletionChunk, CompletionTimings } from "./LlamaServerApi";
import { LlamaServerError } from "./LlamaServerError";
import { phi2Vocabulary } from "./phi2ServerVocabulary";
import { ServerConnection, type ServerConnectionOptions, type ServerInfo } from "./ServerConnection";
import { SlotTable } from "./SlotTable";

/**
 * `perDocument`: each sequence key keeps a slot of its own (`id_slot`), like the local sequences.
 * `server`: llama-server picks an idle slot (`id_slot: -1`, the one whose cache shares most with the prompt).
 */
export type SlotAssignment = "perDocument" | "server";

export interface ServerTextGeneratorOptions extends ServerConnectionOptions {
    readonly slotAssignment?: SlotAssignment;
    /** The sequence key that gets a slot of its own when the server has two or more (explanations). */
    readonly dedicatedKey?: string;
    /** Where this client starts in the server's slot list (default: random, so users spread out). */
    readonly slotOffset?: number;
}

/** Reason given to the abort of a background request that a newer request on its key replaces. */
const PREEMPTED = "preempted";

interface InFlight {
    readonly background: boolean;
    readonly controller: AbortController;
}

export class ServerTextGenerator implements TextGenerator {
    readonly connection: ServerConnection;
    private readonly slotAssignment: SlotAssignment;
    private readonly slotOffset: number;
    private slots: { readonly info: ServerInfo; readonly table: SlotTable } | undefined;
    private readonly inFlight = new Map<string, InFlight>();

    constructor(private readonly options: ServerTextGeneratorOptions) {
        this.connection = new ServerConnection(options);
        this.slotAssignment = options.slotAssignment ?? "perDocument";
        this.slotOffset = options.slotOffset ?? Math.floor(Math.random() * 1024);
    }

    async generate(options: GenerateOptions): Promise<GenerationResult> {
        const receivedAt = performance.now();
        const info = await this.connection.ready();
        const greedy = (options.temperature ?? 0) <= 0;
        const body: CompletionBody = {
            ...this.promptFields(options, info),
            n_predict: options.maxTokens,
            stream: true,
            // Timings in every event: the counters survive a stream closed early by a stop rule.
            timings_per_token: true,
            temperature: greedy ? 0 : options.temperature,
            ...(greedy ? { top_k: 1 } : {}),
            ...(!greedy && options.seed !== undefined ? { seed: options.seed } : {}),
            stop: options.stopStrings ?? [],
            // The server's own cap (it ends only after a newline) saves its work if we are gone.
            ...(options.timeCapMs ? { t_max_predict_ms: options.timeCapMs } : {}),
        };
        return this.withRequest(options.sequenceKey, options.priority === "background", options.signal, async (signal) => {
            const textStream = phi2Vocabulary().createStream();
            const stopMatcher = new StopStringMatcher(options.stopStrings);
            let text = "";
            let generatedTokens = 0;
            let timings: CompletionTimings | undefined;
            let firstTokenAt: number | undefined;
            let stopReason: StopReason | undefined;
            let keepStreaming = true;
            let streamStarted = false;
            const emit = (chunk: string): void => {
                if (chunk.length === 0) return;
                text += chunk;
                if (keepStreaming && options.onText?.(chunk) === false) keepStreaming = false;
            };
            try {
                for await (const chunk of this.connection.api.completeStreaming(body, signal)) {
                    streamStarted = true;
                    timings = chunk.timings ?? timings;
                    for (const token of chunk.tokens ?? []) {
                        firstTokenAt ??= performance.now();
                        // As the local host counts: <|endoftext|> ends the text, it is not part of it.
                        if (token === END_OF_TEXT_TOKEN) continue;
                        generatedTokens++;
                        const scan = stopMatcher.push(textStream.push(token));
                        emit(scan.emit);
                        if (scan.stopped) {
                            stopReason = "stopRule";
                            break;
                        }
                    }
                    if (stopReason !== undefined) break;
                    if (!keepStreaming) stopReason = "stopRule";
                    else if (chunk.stop) stopReason = stopReasonOf(chunk, generatedTokens, options.maxTokens);
                    else if (generatedTokens >= options.maxTokens) stopReason = "maxTokens";
                    else if (options.timeCapMs !== undefined && performance.now() - receivedAt >= options.timeCapMs && (text.length > 0 || stopMatcher.hasPending)) {
                        stopReason = "timeCap";
                    }
                    if (stopReason !== undefined) break;
                }
            } catch (error) {
                // llama-server can fail a request after generating (HTTP 500 "output does not match the
                // expected Content-only format", e.g. when its own text ends inside a UTF-8
                // character): the tokens received, decoded exactly here, are the answer.
                if (!(error instanceof LlamaServerError && error.status === 500)) throw this.failed(error);
                this.options.log?.("warn", `${error.message} Kept the ${generatedTokens} tokens received${streamStarted ? "" : " (none)"}.`);
                stopReason = generatedTokens >= options.maxTokens ? "maxTokens" : "eos";
            }
            stopReason ??= signal.aborted ? "cancelled" : "eos";
            if (stopReason !== "stopRule") emit(stopMatcher.flush());
            const end = performance.now();
            return {
                text,
                stopReason,
                counters: countersOf(timings, generatedTokens, (firstTokenAt ?? end) - receivedAt, end - (firstTokenAt ?? end), end - receivedAt),
            };
        }, (prefillMs) => ({ text: "", stopReason: "cancelled", counters: countersOf(undefined, 0, prefillMs, 0, prefillMs) }));
    }

    /** Evaluates the prompt into its slot's cache on the server (`n_predict: 0`). */
    async prefill(options: PrefillOptions): Promise<PrefillResult> {
        const receivedAt = performance.now();
        const info = await this.connection.ready();
        const body: CompletionBody = { ...this.promptFields(options, info), n_predict: 0, stream: false };
        return this.withRequest(options.sequenceKey, options.priority !== "foreground", options.signal, async (signal) => {
            let answer: CompletionChunk;
            try {
                answer = await this.connection.api.complete(body, signal);
            } catch (error) {
                if (signal.aborted) return { completed: false, counters: countersOf(undefined, 0, performance.now() - receivedAt, 0, performance.now() - receivedAt) };
                throw this.failed(error);
            }
            const totalMs = performance.now() - receivedAt;
            return { completed: true, counters: countersOf(answer.timings, 0, totalMs, 0, totalMs) };
        }, (prefillMs) => ({ completed: false, counters: countersOf(undefined, 0, prefillMs, 0, prefillMs) }));
    }

    /** A closed document's slot may go to the next document at once. */
    forgetKey(key: string): void {
        this.slots?.table.forget(key);
    }

    dispose(): void {
        for (const request of this.inFlight.values()) request.controller.abort("disposed");
        this.inFlight.clear();
        this.connection.dispose();
    }

    /**
     * The prompt and its slot. A pinned slot taken from another key is reported (onKeyEvicted);
     * with `server` assignment the server decides, and what it evicts is not known here. (llama-server
     * may still restore the evicted prompt from its RAM prompt cache, `--cache-ram`: the report errs
     * on the side of a prefill that turns out cheap.)
     */
    private promptFields(options: GenerateOptions | PrefillOptions, info: ServerInfo): Pick<CompletionBody, "prompt" | "id_slot" | "cache_prompt"> {
        const { prompt } = options;
        return {
            // An empty document starts from <|endoftext|>, as the local host does.
            prompt: prompt.length > 0 ? prompt : [END_OF_TEXT_TOKEN],
            id_slot: this.slotAssignment === "server" ? -1 : this.slotTable(info).slotFor(options.sequenceKey, options.onKeyEvicted),
            cache_prompt: true,
        };
    }

    /** The slot table for the server as last checked (a restarted server may have other slots). */
    private slotTable(info: ServerInfo): SlotTable {
        if (this.slots?.info !== info) this.slots = { info, table: new SlotTable(info.slots, this.slotOffset, this.options.dedicatedKey) };
        return this.slots.table;
    }

    /**
     * Runs one request on `key`. A background request still running on the key (a prefill, an
     * explanation) is stopped first: on a pinned slot the server would queue the new one behind it.
     * `cancelledBeforeStart` answers a request aborted before it was sent.
     */
    private async withRequest<T>(key: string, background: boolean, callerSignal: AbortSignal | undefined, run: (signal: AbortSignal) => Promise<T>, cancelledBeforeStart: (elapsedMs: number) => T): Promise<T> {
        const startedAt = performance.now();
        const previous = this.inFlight.get(key);
        if (previous?.background && !background) previous.controller.abort(PREEMPTED);
        if (callerSignal?.aborted) return cancelledBeforeStart(performance.now() - startedAt);
        const controller = new AbortController();
        const onAbort = (): void => controller.abort(callerSignal?.reason);
        callerSignal?.addEventListener("abort", onAbort, { once: true });
        const request: InFlight = { background, controller };
        this.inFlight.set(key, request);
        try {
            return await run(controller.signal);
        } finally {
            callerSignal?.removeEventListener("abort", onAbort);
            if (this.inFlight.get(key) === request) this.inFlight.delete(key);
        }
    }

    /** A failed request: a dead or overloaded server is checked again (with backoff) before the next one. */
    private failed(error: unknown): LlamaServerError {
        const serverError = error instanceof LlamaServerError ? error : new LlamaServerError("BAD_RESPONSE", `The Phi-2 server at ${this.connection.url} failed: ${String(error)}`);
        this.connection.reportFailure(serverError);
        return serverError;
    }
}

function stopReasonOf(chunk: CompletionChunk, generatedTokens: number, maxTokens: number): StopReason {
    switch (chunk.stop_type) {
        case "eos":
            return "eos";
        case "word":
            return "stopRule";
        default:
            if (chunk.truncated) return "contextFull";
            // "limit" is n_predict, the context end or the server's time cap.
            return generatedTokens >= maxTokens ? "maxTokens" : "timeCap";
    }
}

function countersOf(timings: CompletionTimings | undefined, generatedTokens: number, prefillMs: number, generateMs: number, totalMs: number): GenerationCounters {
    const evaluated = timings?.prompt_n ?? 0;
    const reused = timings?.cache_n ?? 0;
    const round = (ms: number): number => Math.round(ms * 10) / 10;
    return {
        promptTokens: evaluated + reused,
        reusedTokens: reused,
        evaluatedTokens: evaluated,
        generatedTokens,
        prefillMs: round(prefillMs),
        generateMs: round(generateMs),
        totalMs: round(totalMs),
    };
}
