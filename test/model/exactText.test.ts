// Exact text through the real host on the scripted tiny model: what the model generates reaches
// the caller byte for byte (spaces before `!=` and `.`, tabs, multi-byte characters), streamed
// chunk by chunk, with stop strings applied to that exact text.
import assert from "node:assert/strict";
import type { ModelHostClient } from "../../src/hostClient/ModelHostClient";
import { ensureScriptedModel, getTestLlama, SCRIPTS } from "../support/tinyModels";
import { assertExactContinuation, EXACT_TEXT_SPLITS } from "./exactContinuation";
import { createClient, loadParams } from "./hostHarness";

describe("model host: exact text (scripted tiny model)", function () {
    this.timeout(120_000);
    let client: ModelHostClient;
    let modelPath: string;

    before(async () => {
        modelPath = await ensureScriptedModel(SCRIPTS.exactText);
        ({ client } = createClient());
        await client.load(loadParams(modelPath));
    });

    after(() => client?.dispose());

    for (const split of EXACT_TEXT_SPLITS) {
        it(`continues ${JSON.stringify(split)} with the exact rest of the script`, () => assertExactContinuation(client, "exact", split));
    }

    it("reuses the tokens it generated when the caller accepts the suggestion", async () => {
        const first = await client.generate({ sequenceKey: "accept", prompt: "if x", maxTokens: 60 });
        const accepted = "if x" + first.text.slice(0, first.text.indexOf("\n\t") + 1);
        assert.equal(accepted, "if x != y:\n    from . import a\n");
        const next = await client.generate({ sequenceKey: "accept", prompt: accepted, maxTokens: 60 });
        assert.equal(next.counters.reusedTokens, next.counters.promptTokens - 1, JSON.stringify(next.counters));
        assert.equal(next.counters.evaluatedTokens, 1);
        assert.equal(next.text, "\tpass\ns = \"héllo ✓ 🙂\"\n");
    });

    it("keeps the spaces that llama.cpp's own detokenizer drops", async () => {
        const result = await client.generate({ sequenceKey: "exact", prompt: "if x", maxTokens: 60 });
        assert.ok(result.text.startsWith(" != y:\n    from . import a\n"));
        // The reason for decoding ourselves: node-llama-cpp turns the same tokens into "x!= y".
        const llama = await getTestLlama();
        const model = await llama.loadModel({ modelPath, vocabOnly: true });
        try {
            const tokens = model.tokenize("if x != y:\n    from . import a");
            assert.equal(model.detokenize(tokens).includes("x != y"), false, "llama.cpp's detokenizer changed: this workaround may no longer be needed");
        } finally {
            await model.dispose();
        }
    });

    it("ends at a stop string without returning or streaming any of it", async () => {
        const streamed: string[] = [];
        const result = await client.generate({
            sequenceKey: "exact",
            prompt: "if x",
            maxTokens: 60,
            stopStrings: ["\n\tpa"],
            onText: (chunk) => void streamed.push(chunk),
        });
        assert.equal(result.text, " != y:\n    from . import a");
        assert.equal(result.stopReason, "stopRule");
        assert.equal(streamed.join(""), result.text);
    });

    it("stops at maxTokens with the exact text so far", async () => {
        const result = await client.generate({ sequenceKey: "exact", prompt: "if x", maxTokens: 2 });
        assert.equal(result.stopReason, "maxTokens");
        assert.equal(result.counters.generatedTokens, 2);
        assert.equal(result.text, " != y");
    });

    it("produces the same text with prompt-lookup speculative decoding", async () => {
        const { client: speculative } = createClient();
        try {
            await speculative.load(loadParams(modelPath, { speculativeLookup: true, sequences: 1 }));
            const prompt = "if x != y:\n    from . import a\n\tpass\nif x";
            const plain = await client.generate({ sequenceKey: "spec", prompt, maxTokens: 60 });
            const predicted = await speculative.generate({ sequenceKey: "spec", prompt, maxTokens: 60 });
            assert.equal(predicted.text, plain.text);
            assert.equal(predicted.text, SCRIPTS.exactText.slice("if x".length));
            assert.equal(predicted.stopReason, "eos");
        } finally {
            speculative.dispose();
        }
    });
});

describe("model host: the add script (scripted tiny model)", function () {
    this.timeout(120_000);
    let client: ModelHostClient;

    before(async () => {
        ({ client } = createClient());
        await client.load(loadParams(await ensureScriptedModel(SCRIPTS.add)));
    });

    after(() => client?.dispose());

    it("completes a function body exactly and stops at <|endoftext|>", async () => {
        const result = await client.generate({ sequenceKey: "add", prompt: "def add(a, b):\n", maxTokens: 50 });
        assert.equal(result.text, "    return a + b\n");
        assert.equal(result.stopReason, "eos");
        assert.equal(result.counters.generatedTokens, await client.countTokens("    return a + b\n"));
    });
});
