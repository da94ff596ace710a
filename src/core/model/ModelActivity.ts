// What the model is doing, as the status bar shows it. A request becomes visible only once it has
// run for SPINNER_DELAY_MS: typing cancels the previous request within a keystroke, and a spinner
// toggled on every key is noise (the issue counted ~60 icon changes in 5 s of typing). A visible
// request that is evaluating a long prompt shows which document it reads and how far it got.
import type { Timers } from "../completion/scheduler";
import type { PrefillProgress, RequestPriority } from "../textGenerator";

/** A request that waited this long is worth a spinner (a keystroke's request is cancelled sooner). */
export const SPINNER_DELAY_MS = 300;

export type ModelActivityView =
    | { readonly kind: "quiet" }
    /** Generating, or evaluating a prompt too short to report progress. */
    | { readonly kind: "working"; readonly key: string; readonly priority: RequestPriority }
    /** Evaluating a long prompt: `percent` of its `tokensToEvaluate` new tokens are in the KV cache. */
    | { readonly kind: "reading"; readonly key: string; readonly priority: RequestPriority; readonly percent: number; readonly tokensToEvaluate: number };

const QUIET: ModelActivityView = { kind: "quiet" };

export interface ActivityHandle {
    /** The host evaluated another chunk of this request's prompt. */
    progress(progress: PrefillProgress): void;
    /** The request answered, failed or was cancelled. */
    end(): void;
}

interface RunningRequest {
    readonly key: string;
    readonly priority: RequestPriority;
    readonly order: number;
    visible: boolean;
    timer: unknown;
    prefill?: PrefillProgress;
}

export class ModelActivity {
    private readonly running = new Set<RunningRequest>();
    private shown: ModelActivityView = QUIET;
    private started = 0;

    constructor(
        private readonly timers: Timers,
        private readonly onChange: (view: ModelActivityView) => void,
        /** Settable so a test can watch a prefill that the tiny model finishes within the delay. */
        public spinnerDelayMs = SPINNER_DELAY_MS,
    ) {}

    get view(): ModelActivityView {
        return this.shown;
    }

    begin(key: string, priority: RequestPriority): ActivityHandle {
        const request: RunningRequest = { key, priority, order: this.started++, visible: false, timer: undefined };
        this.running.add(request);
        const becomeVisible = (): void => {
            request.visible = true;
            this.refresh();
        };
        if (this.spinnerDelayMs <= 0) becomeVisible();
        else request.timer = this.timers.setTimeout(becomeVisible, this.spinnerDelayMs);
        let ended = false;
        return {
            progress: (progress) => {
                if (ended) return;
                request.prefill = progress;
                if (request.visible) this.refresh();
            },
            end: () => {
                if (ended) return;
                ended = true;
                this.timers.clearTimeout(request.timer);
                this.running.delete(request);
                this.refresh();
            },
        };
    }

    private refresh(): void {
        const next = describeActivity(this.running);
        if (sameView(next, this.shown)) return;
        this.shown = next;
        this.onChange(next);
    }
}

/** The visible request the user most likely waits for: foreground first, then the newest. */
function describeActivity(running: ReadonlySet<RunningRequest>): ModelActivityView {
    let chosen: RunningRequest | undefined;
    for (const request of running) {
        if (!request.visible) continue;
        if (!chosen || rank(request) > rank(chosen)) chosen = request;
    }
    if (!chosen) return QUIET;
    const { key, priority, prefill } = chosen;
    if (prefill && prefill.evaluatedTokens < prefill.tokensToEvaluate) {
        const percent = Math.floor((prefill.evaluatedTokens / prefill.tokensToEvaluate) * 100);
        return { kind: "reading", key, priority, percent, tokensToEvaluate: prefill.tokensToEvaluate };
    }
    return { kind: "working", key, priority };
}

function rank(request: RunningRequest): number {
    return (request.priority === "foreground" ? Number.MAX_SAFE_INTEGER / 2 : 0) + request.order;
}

function sameView(a: ModelActivityView, b: ModelActivityView): boolean {
    if (a.kind !== b.kind) return false;
    if (a.kind === "quiet" || b.kind === "quiet") return true;
    return a.key === b.key && a.priority === b.priority && (a.kind !== "reading" || b.kind !== "reading" || a.percent === b.percent);
}
