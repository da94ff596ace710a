import * as assert from "node:assert/strict";
import { SpeedEstimate } from "../../../src/core/completion/SpeedEstimate";
import type { GenerationCounters } from "../../../src/core/types";

function counters(evaluatedTokens: number, prefillMs: number, generatedTokens: number, generateMs: number): GenerationCounters {
    return { promptTokens: evaluatedTokens, reusedTokens: 0, evaluatedTokens, generatedTokens, prefillMs, generateMs, totalMs: prefillMs + generateMs };
}

describe("SpeedEstimate", () => {
    it("is unknown until both speeds were seen, then reports once", () => {
        const estimate = new SpeedEstimate();
        assert.equal(estimate.record(counters(100, 5000, 0, 0)), false);
        assert.equal(estimate.current, undefined);
        assert.equal(estimate.record(counters(2, 100, 11, 2000)), true);
        assert.deepEqual(estimate.current, { promptTokensPerS: 20, generatedTokensPerS: 5 });
    });

    it("ignores samples too small to say anything (a keystroke's 2 tokens, one generated token)", () => {
        const estimate = new SpeedEstimate({ promptTokensPerS: 20, generatedTokensPerS: 5 });
        estimate.record(counters(3, 1000, 1, 1000));
        assert.deepEqual(estimate.current, { promptTokensPerS: 20, generatedTokensPerS: 5 });
    });

    it("follows a slower machine and reports only changes worth re-tuning for", () => {
        const estimate = new SpeedEstimate({ promptTokensPerS: 20, generatedTokensPerS: 5 });
        assert.equal(estimate.record(counters(100, 5000, 11, 2000)), true, "the first report");
        assert.equal(estimate.record(counters(100, 5100, 11, 2050)), false, "the same speed again");
        let reported = false;
        for (let i = 0; i < 5; i++) reported = estimate.record(counters(100, 20_000, 11, 8000)) || reported;
        assert.equal(reported, true);
        assert.ok(estimate.current!.promptTokensPerS < 10 && estimate.current!.generatedTokensPerS < 2.5, JSON.stringify(estimate.current));
    });
});
