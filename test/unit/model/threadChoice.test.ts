import * as assert from "node:assert/strict";
import { fastestThreadCount, threadCandidates, threadChoiceKey } from "../../../src/core/model/threadChoice";

describe("thread choice by measurement", () => {
    it("tries 1 and 2 threads on two cores, half / all but one / all on more", () => {
        assert.deepEqual(threadCandidates(1), [1]);
        assert.deepEqual(threadCandidates(2), [1, 2]);
        assert.deepEqual(threadCandidates(4), [2, 3, 4]);
        assert.deepEqual(threadCandidates(8), [4, 7, 8]);
        assert.deepEqual(threadCandidates(3), [2, 3]);
    });

    it("picks the fastest count: 1 thread where 2 fight over two cores", () => {
        assert.equal(fastestThreadCount([{ threads: 1, generatedTokensPerS: 5.0 }, { threads: 2, generatedTokensPerS: 2.2 }]), 1);
        assert.equal(fastestThreadCount([{ threads: 4, generatedTokensPerS: 9 }, { threads: 7, generatedTokensPerS: 14 }, { threads: 8, generatedTokensPerS: 12 }]), 7);
    });

    it("gives near-ties to fewer threads (more CPU left for the editor)", () => {
        assert.equal(fastestThreadCount([{ threads: 2, generatedTokensPerS: 10 }, { threads: 3, generatedTokensPerS: 10.3 }]), 2);
        assert.equal(fastestThreadCount([{ threads: 2, generatedTokensPerS: 10 }, { threads: 3, generatedTokensPerS: 11 }]), 3);
    });

    it("has no answer without a usable measurement", () => {
        assert.equal(fastestThreadCount([]), undefined);
        assert.equal(fastestThreadCount([{ threads: 1, generatedTokensPerS: 0 }, { threads: 2, generatedTokensPerS: Number.NaN }]), undefined);
    });

    it("remembers a choice per CPU, core count and model file", () => {
        const key = threadChoiceKey(" Intel Xeon ", 2, "/m/phi-2.gguf", 1789);
        assert.equal(key, threadChoiceKey("Intel Xeon", 2, "/m/phi-2.gguf", 1789));
        assert.notEqual(key, threadChoiceKey("Intel Xeon", 4, "/m/phi-2.gguf", 1789));
        assert.notEqual(key, threadChoiceKey("Intel Xeon", 2, "/m/phi-2.gguf", 1790));
    });
});
