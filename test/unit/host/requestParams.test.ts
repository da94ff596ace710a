import assert from "node:assert/strict";
import { parseParams } from "../../../src/modelHost/requestParams";

describe("the host's request params check", () => {
    const load = { modelPath: "/m.gguf", gpu: "cpu", threads: 2, contextSize: 512, sequences: 3 };

    it("returns well-formed params typed, without fields the method does not know", () => {
        assert.deepEqual(parseParams.generate({ sequenceKey: "a", prompt: "x", maxTokens: 4, stopStrings: ["\n"], priority: "background", extra: 1 }), {
            sequenceKey: "a",
            prompt: "x",
            maxTokens: 4,
            timeCapMs: undefined,
            temperature: undefined,
            seed: undefined,
            stopStrings: ["\n"],
            priority: "background",
        });
        assert.equal(parseParams.load(load).modelPath, "/m.gguf");
        // Every optional load field reaches the engine (a parser that forgot one would drop it).
        const everything = { ...load, prefillChunkTokens: 32, speculativeLookup: true, threadCandidates: [1, 2], kvCacheBudgetMb: 256, shiftWindow: false };
        assert.deepEqual(parseParams.load(everything), everything);
        assert.deepEqual(parseParams.tokenize({ text: "abc" }), { text: "abc" });
        assert.deepEqual(parseParams.stats({ anything: true }), {});
    });

    for (const [method, raw, message] of [
        ["generate", { sequenceKey: "a", prompt: "x", maxTokens: 0 }, /maxTokens must be a positive integer \(got 0\)/],
        ["generate", { sequenceKey: 1, prompt: "x", maxTokens: 1 }, /sequenceKey must be a string/],
        ["generate", { sequenceKey: "a", prompt: "x", maxTokens: 1, stopStrings: "\n" }, /stopStrings must be an array of strings/],
        ["generate", { sequenceKey: "a", prompt: "x", maxTokens: 1, temperature: "hot" }, /temperature must be a number/],
        ["prefill", { sequenceKey: "a", prompt: "x", priority: "urgent" }, /priority must be/],
        ["load", { ...load, modelPath: 7 }, /modelPath must be a string/],
        ["load", { ...load, threadCandidates: [0] }, /threadCandidates must be a list/],
        ["load", { ...load, kvCacheBudgetMb: -1 }, /kvCacheBudgetMb must be a non-negative number/],
        ["load", { ...load, shiftWindow: "yes" }, /shiftWindow must be true or false/],
        ["load", { ...load, gpu: "tpu" }, /gpu must be one of auto, cpu, cuda, vulkan, metal \(got tpu\)/],
        ["load", { ...load, sequences: 1.5 }, /sequences must be a positive integer/],
        ["load", { ...load, prefillChunkTokens: -1 }, /prefillChunkTokens must be a positive integer/],
        ["tokenize", {}, /text must be a string/],
    ] as const) {
        it(`refuses ${method} ${JSON.stringify(raw)} with BAD_REQUEST`, () => {
            assert.throws(() => parseParams[method](raw), (error: { code?: string; message?: string }) => error.code === "BAD_REQUEST" && message.test(error.message ?? ""));
        });
    }
});
