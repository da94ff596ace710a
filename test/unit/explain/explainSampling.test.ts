import assert from "node:assert/strict";
import { buildExplainJob } from "../../../src/core/explain/explainPrompt";
import { EXPLAIN_AGAIN_TEMPERATURE, resampledJob } from "../../../src/core/explain/explainSampling";
import { pythonDocument } from "./textDocument";

describe("explain sampling (Explain Again)", () => {
    const job = buildExplainJob(pythonDocument("def add(a, b):\n    return a + b\n"), { line: 1, character: 0 }, undefined, { maxTokens: 300, contextTokens: 2048 })!;

    it("a first explanation is greedy: its job carries no sampling", () => {
        assert.equal(job.sampling, undefined);
    });

    it("samples the same prompt with a seed drawn afresh", () => {
        const again = resampledJob(job, undefined, () => 0.5);
        assert.equal(again.prompt, job.prompt);
        assert.deepEqual(again.sampling, { temperature: EXPLAIN_AGAIN_TEMPERATURE, seed: 2 ** 31 });
    });

    it("never repeats the previous run's seed, even when the draw does", () => {
        const first = resampledJob(job, undefined, () => 0.5);
        const second = resampledJob(first, first.sampling, () => 0.5);
        assert.notEqual(second.sampling?.seed, first.sampling?.seed);
        const last = resampledJob(job, { temperature: EXPLAIN_AGAIN_TEMPERATURE, seed: 2 ** 32 - 1 }, () => (2 ** 32 - 1) / 2 ** 32);
        assert.equal(last.sampling?.seed, 0, "wraps within the 32-bit range");
    });
});
