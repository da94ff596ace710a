import * as assert from "node:assert/strict";
import { CompletionEngine, MAX_ALTERNATIVES } from "../../../src/core/completion/CompletionEngine";
import { DEFAULT_COMPLETION_SETTINGS, withSettings } from "../../../src/core/completion/CompletionSettings";
import { createTextSnapshot } from "../../../src/core/python/textSnapshot";
import type { GenerateOptions } from "../../../src/core/textGenerator";
import { FakeTextGenerator } from "./fakeTextGenerator";

const settings = withSettings(DEFAULT_COMPLETION_SETTINGS, { debounce: { warmMs: 0, coldMs: 0 } });

function place(text: string) {
    const lines = text.split("\n");
    return { document: createTextSnapshot(text, { uri: "file:///ws/a.py" }), position: { line: lines.length - 1, character: lines[lines.length - 1]!.length } };
}

/**
 * Greedy says "total = 0"; sampling gives the text listed for its seed. The model writes the
 * body's indentation itself (the prompt leaves the editor's indentation out).
 */
function bySeed(samples: Record<number, string>, indent = "    ") {
    return (options: GenerateOptions): string[] => {
        if (!options.temperature) return [`${indent}total = 0`];
        return [`${indent}${samples[options.seed ?? -1] ?? "total = 0"}`];
    };
}

describe("CompletionEngine.completeWithAlternatives", () => {
    it("offers the greedy suggestion first, then different sampled ones with fixed seeds", async () => {
        const generator = new FakeTextGenerator(bySeed({ 1: "total = sum(values)", 2: "total = len(values)" }));
        const engine = new CompletionEngine(generator, { settings });
        const { primary, alternatives } = await engine.completeWithAlternatives({ ...place("def f(values):\n    "), signal: new AbortController().signal, trigger: "explicit" });
        assert.equal(primary.suggestion?.insertText, "total = 0");
        assert.deepEqual(alternatives.map((choice) => choice.suggestion?.insertText), ["total = sum(values)", "total = len(values)"]);
        const sampled = generator.calls.filter((call) => call.temperature);
        assert.deepEqual(sampled.map((call) => [call.temperature, call.seed]), [[0.8, 1], [0.8, 2]]);
        // Every alternative continues the same prompt on the same sequence: only its generation is new.
        assert.ok(generator.calls.every((call) => call.prompt === generator.calls[0]!.prompt && call.sequenceKey === "file:///ws/a.py"));
    });

    it("skips duplicates of what it already offers and stops after a bounded number of tries", async () => {
        const generator = new FakeTextGenerator(bySeed({ 1: "total = 0", 2: "total = 0", 3: "total = 1" }));
        const engine = new CompletionEngine(generator, { settings });
        const { alternatives } = await engine.completeWithAlternatives({ ...place("def f(values):\n    "), signal: new AbortController().signal, trigger: "explicit" });
        assert.deepEqual(alternatives.map((choice) => choice.suggestion?.insertText), ["total = 1"]);
        assert.equal(generator.calls.filter((call) => call.temperature).length, 4, "tries at most 4 samples");
        assert.ok(MAX_ALTERNATIVES === 3);
    });

    it("applies the same post-processing to alternatives (a sample that only repeats the suffix is dropped)", async () => {
        const generator = new FakeTextGenerator(bySeed({ 1: ")", 2: "b, c)" }, ""));
        const engine = new CompletionEngine(generator, { settings });
        const text = "print(a, ";
        const document = createTextSnapshot(`${text})`, { uri: "file:///ws/a.py" });
        const { alternatives } = await engine.completeWithAlternatives({ document, position: { line: 0, character: text.length }, signal: new AbortController().signal, trigger: "explicit" });
        assert.deepEqual(alternatives.map((choice) => choice.suggestion?.insertText), ["b, c"]);
    });

    it("gives automatic requests one greedy suggestion, and none when asked for one", async () => {
        const generator = new FakeTextGenerator(bySeed({ 1: "total = 5" }));
        const engine = new CompletionEngine(generator, { settings });
        const automatic = await engine.completeWithAlternatives({ ...place("def f(values):\n    "), signal: new AbortController().signal, trigger: "automatic" });
        assert.equal(automatic.alternatives.length, 0);
        const single = await engine.completeWithAlternatives({ ...place("def g(values):\n    "), signal: new AbortController().signal, trigger: "explicit" }, 1);
        assert.equal(single.alternatives.length, 0);
        assert.ok(generator.calls.every((call) => !call.temperature));
    });

    it("stops sampling when the request is cancelled", async () => {
        const controller = new AbortController();
        const generator = new FakeTextGenerator((options) => {
            if (options.temperature) controller.abort();
            return bySeed({ 1: "total = 5", 2: "total = 6" })(options);
        });
        const engine = new CompletionEngine(generator, { settings });
        const { primary, alternatives } = await engine.completeWithAlternatives({ ...place("def f(values):\n    "), signal: controller.signal, trigger: "explicit" });
        assert.equal(primary.suggestion?.insertText, "total = 0");
        assert.equal(alternatives.length, 0);
        assert.equal(generator.calls.filter((call) => call.temperature).length, 1);
    });
});
