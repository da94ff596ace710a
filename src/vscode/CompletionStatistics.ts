// Local numbers about this session's completions, for the status bar tooltip and its menu: how
// many suggestions were shown and accepted, how long they took, and how many prompt tokens a model
// request had to evaluate (the cost the KV cache reuse is meant to keep small). Nothing is sent
// anywhere and nothing is written to disk: it lives and dies with the editor window.
import type { CompletionOutcome } from "../core/completion/CompletionEngine";

/** Recent requests kept for the medians: enough to be stable, small enough to follow a change. */
export const STATISTICS_WINDOW = 200;

export interface CompletionTotalsView {
    readonly shown: number;
    readonly accepted: number;
}

export interface CompletionStatisticsSummary {
    readonly shown: number;
    readonly accepted: number;
    /** accepted / shown, undefined before anything was shown. */
    readonly acceptanceRate?: number;
    /** Median time from the request to the suggestion, over recent requests that returned one. */
    readonly latencyP50Ms?: number;
    /** Median prompt tokens the model evaluated per recent model request (the rest came from the cache). */
    readonly evaluatedTokensP50?: number;
    /** Median prompt size of those requests, in tokens. */
    readonly promptTokensP50?: number;
    readonly modelRequests: number;
}

export class CompletionStatistics {
    private readonly latencies: number[] = [];
    private readonly evaluated: number[] = [];
    private readonly promptTokens: number[] = [];
    private modelRequests = 0;

    /** `totals` reads the engine's shown/accepted counters (the engine is told about both). */
    constructor(private readonly totals: () => CompletionTotalsView, private readonly window = STATISTICS_WINDOW) {}

    /** Records one finished request (cancelled ones say nothing about speed and are ignored). */
    record(outcome: CompletionOutcome): void {
        if (outcome.reason === "cancelled") return;
        if (outcome.suggestion) push(this.latencies, outcome.stats.latencyMs, this.window);
        // Typed-ahead answers reuse a model request's counters: count each model request once.
        const counters = outcome.stats.counters;
        if (counters && outcome.stats.source !== "typedAhead") {
            this.modelRequests++;
            push(this.evaluated, counters.evaluatedTokens, this.window);
            push(this.promptTokens, counters.promptTokens, this.window);
        }
    }

    summary(): CompletionStatisticsSummary {
        const { shown, accepted } = this.totals();
        return {
            shown,
            accepted,
            acceptanceRate: shown > 0 ? accepted / shown : undefined,
            latencyP50Ms: median(this.latencies),
            evaluatedTokensP50: median(this.evaluated),
            promptTokensP50: median(this.promptTokens),
            modelRequests: this.modelRequests,
        };
    }
}

/** Lines for a tooltip or a menu: what was shown and accepted, speed, and the cache's effect. */
export function describeStatistics(summary: CompletionStatisticsSummary): string[] {
    const rate = summary.acceptanceRate === undefined ? "" : ` (${Math.round(summary.acceptanceRate * 100)}%)`;
    const lines = [`${summary.shown} suggestions shown, ${summary.accepted} accepted${rate}`];
    if (summary.latencyP50Ms !== undefined) lines.push(`Time to suggestion: median ${Math.round(summary.latencyP50Ms)} ms`);
    if (summary.evaluatedTokensP50 !== undefined) {
        lines.push(
            `Prompt tokens evaluated per model request: median ${summary.evaluatedTokensP50}` +
                ` of ${summary.promptTokensP50 ?? "?"} (${summary.modelRequests} requests)`,
        );
    }
    return lines;
}

function push(samples: number[], value: number, window: number): void {
    samples.push(value);
    if (samples.length > window) samples.shift();
}

/** The middle value (the lower of the two middle ones for an even count); undefined when empty. */
export function median(samples: readonly number[]): number | undefined {
    if (samples.length === 0) return undefined;
    const sorted = [...samples].sort((a, b) => a - b);
    return sorted[Math.floor((sorted.length - 1) / 2)];
}
