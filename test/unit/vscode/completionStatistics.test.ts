// The status bar's local numbers: which requests count toward the medians and the acceptance rate.
import * as assert from "node:assert/strict";
import type { CompletionOutcome, CompletionStats } from "../../../src/core/completion/CompletionEngine";
import type { GenerationCounters } from "../../../src/core/types";
import { CompletionStatistics, describeStatistics, median } from "../../../src/vscode/CompletionStatistics";

function counters(promptTokens: number, evaluatedTokens: number): GenerationCounters {
    return { promptTokens, reusedTokens: promptTokens - evaluatedTokens, evaluatedTokens, generatedTokens: 5, prefillMs: 1, generateMs: 1, totalMs: 2 };
}

function outcome(latencyMs: number, options: { suggestion?: boolean; source?: CompletionStats["source"]; counters?: GenerationCounters; reason?: CompletionOutcome["reason"] } = {}): CompletionOutcome {
    const stats: CompletionStats = {
        trigger: "automatic", source: options.source, mode: "singleLine", modeBecause: "insideLine", counters: options.counters, cuts: [],
        prompt: { characters: 100, estimatedTokens: 30, windowStartLine: 0, headerLines: 0, contextTokens: 0 },
        latencyMs, modelMs: latencyMs, debounceMs: 0, overheadMs: 0,
    };
    const suggestion = options.suggestion === false ? undefined : { insertText: "x", range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } } };
    return { suggestion, stats, reason: options.reason };
}

describe("CompletionStatistics", () => {
    it("medians: lower middle for an even count, undefined when empty", () => {
        assert.equal(median([]), undefined);
        assert.equal(median([5]), 5);
        assert.equal(median([9, 1, 5]), 5);
        assert.equal(median([4, 1, 3, 2]), 2);
    });

    it("counts latency for answers with a suggestion and tokens once per model request", () => {
        const totals = { shown: 4, accepted: 1 };
        const statistics = new CompletionStatistics(() => totals);
        statistics.record(outcome(100, { source: "model", counters: counters(600, 600) }));
        statistics.record(outcome(40, { source: "model", counters: counters(610, 2) }));
        statistics.record(outcome(30, { source: "model", counters: counters(612, 1) }));
        // The rest of the last generation while typing: same counters, not another model request.
        statistics.record(outcome(1, { source: "typedAhead", counters: counters(612, 1) }));
        // A model request that produced nothing costs tokens but has no time to suggestion.
        statistics.record(outcome(5000, { suggestion: false, source: "model", counters: counters(620, 3), reason: "cutByRules" }));
        // Cancelled by the next keystroke: says nothing.
        statistics.record(outcome(9000, { suggestion: false, reason: "cancelled" }));
        const summary = statistics.summary();
        assert.deepEqual(summary, {
            shown: 4, accepted: 1, acceptanceRate: 0.25,
            latencyP50Ms: 30, // of 100, 40, 30, 1
            evaluatedTokensP50: 2, // of 600, 2, 1, 3
            promptTokensP50: 610,
            modelRequests: 4,
        });
        assert.deepEqual(describeStatistics(summary), [
            "4 suggestions shown, 1 accepted (25%)",
            "Time to suggestion: median 30 ms",
            "Prompt tokens evaluated per model request: median 2 of 610 (4 requests)",
        ]);
    });

    it("keeps only the most recent requests", () => {
        const statistics = new CompletionStatistics(() => ({ shown: 0, accepted: 0 }), 3);
        for (const latency of [1000, 1000, 1000, 10, 20, 30]) statistics.record(outcome(latency));
        assert.equal(statistics.summary().latencyP50Ms, 20);
    });

    it("says nothing about rates or speed before anything happened", () => {
        const summary = new CompletionStatistics(() => ({ shown: 0, accepted: 0 })).summary();
        assert.equal(summary.acceptanceRate, undefined);
        assert.deepEqual(describeStatistics(summary), ["0 suggestions shown, 0 accepted"]);
    });
});
