// One explanation run over the TextGenerator port: sends the prompt on its own KV sequence,
// passes the stream through the stop rules, and tells a listener about clean text and states.
//
// Its own sequence ("explain") matters: completions keep one KV state per document; an
// explanation prompt on the same sequence would replace that state and the next completion
// would re-evaluate its whole prompt.
import type { GenerationCounters, StopReason } from "../types";
import type { PrefillProgress, RequestPriority, TextGenerator } from "../textGenerator";
import type { ExplainJob } from "./explainPrompt";
import { END_OF_TEXT } from "../phi2Vocabulary";
import { ExplanationStreamFilter, type ExplainStopRule } from "./explainStopRules";

export const EXPLAIN_SEQUENCE_KEY = "explain";

/**
 * Completions keep priority: a background request yields to foreground ones between prompt chunks
 * and between generated tokens, so a completion asked for while an explanation streams is served
 * at once, and the explanation carries on where it was (its own sequence keeps its KV state).
 */
export const EXPLAIN_PRIORITY: RequestPriority = "background";

/** Stop strings the host can check cheaply before the core's rules see the text. */
export const EXPLAIN_HOST_STOP_STRINGS: readonly string[] = [END_OF_TEXT, "\nInstruct:"];

export type ExplainStatus = "idle" | "streaming" | "done" | "stopped" | "error";

export interface ExplainOutcome {
    readonly text: string;
    /** Why generation ended; "stopRule" when one of the core's rules cut it. */
    readonly stopReason: StopReason;
    /** Which core rule cut the text, if one did. */
    readonly stopRule?: ExplainStopRule;
    /** The length cap (phi2.explain.maxTokens) ended it: the explanation may be unfinished. */
    readonly reachedLengthCap: boolean;
    readonly counters?: GenerationCounters;
}

export type ExplainEvent =
    | { readonly kind: "text"; readonly chunk: string; readonly text: string }
    /** The host evaluated another chunk of a long prompt (before the first words). */
    | { readonly kind: "reading"; readonly progress: PrefillProgress }
    | { readonly kind: "status"; readonly status: ExplainStatus };

/**
 * Runs one explanation. `start()` never rejects: a failure ends in status "error" with `error`
 * set (the caller decides how to word it: no model, model loading, host crashed).
 */
export class ExplainSession {
    private readonly abortController = new AbortController();
    private readonly filter = new ExplanationStreamFilter();
    private currentStatus: ExplainStatus = "idle";
    private result: ExplainOutcome | undefined;
    private failure: unknown;
    private running: Promise<void> | undefined;
    /** Raw text as streamed, to compare with the final result. */
    private rawStreamed = "";
    private reading: PrefillProgress | undefined;

    constructor(
        private readonly generator: TextGenerator,
        readonly job: ExplainJob,
        private readonly listener: (event: ExplainEvent) => void = () => {},
    ) {}

    get status(): ExplainStatus {
        return this.currentStatus;
    }

    /** How far the host got reading a long prompt, until the first words. */
    get prefillProgress(): PrefillProgress | undefined {
        return this.reading;
    }

    /** The clean explanation so far (exactly what was streamed). */
    get text(): string {
        return this.filter.text;
    }

    get outcome(): ExplainOutcome | undefined {
        return this.result;
    }

    get error(): unknown {
        return this.failure;
    }

    start(): Promise<void> {
        this.running ??= this.run();
        return this.running;
    }

    /** Stops the generation; the text so far stays, the status becomes "stopped". */
    stop(): void {
        if (this.currentStatus === "idle" || this.currentStatus === "streaming") this.abortController.abort();
    }

    private setStatus(status: ExplainStatus): void {
        if (this.currentStatus === status) return;
        this.currentStatus = status;
        this.listener({ kind: "status", status });
    }

    private emit(chunk: string): void {
        if (chunk !== "") this.listener({ kind: "text", chunk, text: this.filter.text });
    }

    private async run(): Promise<void> {
        if (this.abortController.signal.aborted) {
            this.result = { text: "", stopReason: "cancelled", reachedLengthCap: false };
            this.setStatus("stopped");
            return;
        }
        this.setStatus("streaming");
        try {
            const generation = await this.generator.generate({
                sequenceKey: EXPLAIN_SEQUENCE_KEY,
                prompt: this.job.prompt,
                maxTokens: this.job.maxTokens,
                temperature: this.job.sampling?.temperature ?? 0,
                ...(this.job.sampling ? { seed: this.job.sampling.seed } : {}),
                stopStrings: EXPLAIN_HOST_STOP_STRINGS,
                priority: EXPLAIN_PRIORITY,
                signal: this.abortController.signal,
                onPrefillProgress: (progress) => {
                    this.reading = progress;
                    this.listener({ kind: "reading", progress });
                },
                onText: (chunk) => {
                    this.rawStreamed += chunk;
                    this.emit(this.filter.push(chunk));
                    // Returning false asks the host to stop: a rule has ended the explanation.
                    return this.filter.stopped ? false : undefined;
                },
            });
            // The final result is authoritative: if a chunk was lost or the stream was not used,
            // feed the rest of the text through the filter so rules still apply.
            const streamed = this.filter.stopped ? undefined : generation.text;
            if (streamed !== undefined) this.catchUp(streamed);
            this.emit(this.filter.finish());
            const cancelled = generation.stopReason === "cancelled" || this.abortController.signal.aborted;
            this.result = {
                text: this.filter.text,
                stopReason: this.filter.stopped ? "stopRule" : generation.stopReason,
                ...(this.filter.stoppedBy !== undefined ? { stopRule: this.filter.stoppedBy } : {}),
                reachedLengthCap: !this.filter.stopped && generation.stopReason === "maxTokens",
                counters: generation.counters,
            };
            this.setStatus(cancelled && !this.filter.stopped ? "stopped" : "done");
        } catch (error) {
            this.failure = error;
            // Keep what was shown: a crash mid-stream leaves the partial explanation readable.
            this.emit(this.filter.finish());
            this.result = { text: this.filter.text, stopReason: "cancelled", reachedLengthCap: false };
            this.setStatus("error");
        }
    }

    /** Pushes the part of the final text that the stream did not deliver (if the stream was its prefix). */
    private catchUp(fullText: string): void {
        if (fullText.length > this.rawStreamed.length && fullText.startsWith(this.rawStreamed)) {
            this.emit(this.filter.push(fullText.slice(this.rawStreamed.length)));
        }
    }
}
