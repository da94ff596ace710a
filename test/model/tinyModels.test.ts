// The tiny test models, run by the real llama.cpp (node-llama-cpp, CPU, one thread).
import * as assert from "node:assert/strict";
import { stat } from "node:fs/promises";
import { basename } from "node:path";
import type { LlamaContext, LlamaModel, Token } from "node-llama-cpp";
import {
    END_OF_TEXT_TOKEN,
    ensureRandomModel,
    ensureScriptedModel,
    getTestLlama,
    SCRIPTS,
    ScriptConflictError,
    tokenizeForTinyModel,
    TINY_MODELS_DIRECTORY,
} from "../support/tinyModels";

interface LoadedModel {
    model: LlamaModel;
    context: LlamaContext;
}

async function load(modelPath: string): Promise<LoadedModel> {
    const llama = await getTestLlama();
    const model = await llama.loadModel({ modelPath });
    const context = await model.createContext({ contextSize: 512, threads: 1, sequences: 1 });
    return { model, context };
}

async function unload(loaded: LoadedModel | undefined): Promise<void> {
    await loaded?.context.dispose();
    await loaded?.model.dispose();
}

/** Greedy tokens after `prompt`, including the end-of-generation token when one comes. */
async function greedy(loaded: LoadedModel, prompt: string | readonly number[], maxTokens = 100): Promise<number[]> {
    const promptTokens = typeof prompt === "string" ? loaded.model.tokenize(prompt) : (prompt as Token[]);
    const sequence = loaded.context.getSequence();
    try {
        const generated: number[] = [];
        for await (const token of sequence.evaluate([...promptTokens], { temperature: 0, yieldEogToken: true })) {
            generated.push(token);
            if (token === END_OF_TEXT_TOKEN || generated.length >= maxTokens) break;
        }
        return generated;
    } finally {
        sequence.dispose();
    }
}

/** The script's tokens after a prompt that is a prefix of it (the prompt must tokenize as a prefix). */
async function scriptAfter(script: string, prompt: string): Promise<number[]> {
    const scriptTokens = await tokenizeForTinyModel(script);
    const promptTokens = await tokenizeForTinyModel(prompt);
    assert.deepEqual(scriptTokens.slice(0, promptTokens.length), promptTokens, "prompt tokenizes as a prefix of the script");
    return scriptTokens.slice(promptTokens.length);
}

describe("tiny test models (real llama.cpp)", function () {
    this.timeout(120_000);

    describe("scripted model: add", () => {
        let loaded: LoadedModel | undefined;
        before(async () => { loaded = await load(await ensureScriptedModel(SCRIPTS.add)); });
        after(() => unload(loaded));

        it("continues `def add(a, b):\\n` with `    return a + b\\n`, then <|endoftext|>", async () => {
            const generated = await greedy(loaded!, "def add(a, b):\n");
            assert.equal(generated.at(-1), END_OF_TEXT_TOKEN);
            assert.deepEqual(generated.slice(0, -1), await scriptAfter(SCRIPTS.add, "def add(a, b):\n"));
            assert.equal(loaded!.model.detokenize(generated.slice(0, -1) as Token[]), "    return a + b\n");
        });

        it("replays from any prefix, after unrelated text, and also after an indent already typed", async () => {
            const tokens = await tokenizeForTinyModel(SCRIPTS.add);
            const unrelated = await tokenizeForTinyModel("import os\n\nx = [1, 2]\n");
            for (let cut = 1; cut < tokens.length; cut++) {
                const generated = await greedy(loaded!, [...unrelated, ...tokens.slice(0, cut)]);
                assert.deepEqual(generated, [...tokens.slice(cut), END_OF_TEXT_TOKEN], `cut after token ${cut}`);
            }
            assert.equal(loaded!.model.detokenize((await greedy(loaded!, "def add(a, b):\n    ")).slice(0, -1) as Token[]), "return a + b\n");
        });

        it("stops right away at the end of the script", async () => {
            assert.deepEqual(await greedy(loaded!, SCRIPTS.add), [END_OF_TEXT_TOKEN]);
        });
    });

    describe("scripted model: exact text", () => {
        let loaded: LoadedModel | undefined;
        before(async () => { loaded = await load(await ensureScriptedModel(SCRIPTS.exactText)); });
        after(() => unload(loaded));

        it("replays `!=`, ` . import`, a tab and multi-byte text token for token", async () => {
            assert.ok(SCRIPTS.exactText.includes("if x != y:") && SCRIPTS.exactText.includes("from . import a"));
            assert.ok(SCRIPTS.exactText.includes("\n\t") && SCRIPTS.exactText.includes("🙂"));
            const prompt = "if x != y:\n";
            const generated = await greedy(loaded!, prompt);
            assert.equal(generated.at(-1), END_OF_TEXT_TOKEN);
            // Token ids, not llama.cpp's text: its phi-2 detokenizer drops the space before `!=` and `.`.
            assert.deepEqual(generated.slice(0, -1), await scriptAfter(SCRIPTS.exactText, prompt));
            const text = Buffer.from(loaded!.model.detokenize(generated.slice(0, -1) as Token[]), "utf8").toString();
            assert.ok(text.includes("\tpass\n") && text.includes("héllo ✓ 🙂"), text);
        });

        it("replays from the first token", async () => {
            const tokens = await tokenizeForTinyModel(SCRIPTS.exactText);
            assert.deepEqual(await greedy(loaded!, tokens.slice(0, 1)), [...tokens.slice(1), END_OF_TEXT_TOKEN]);
        });
    });

    describe("scripted model: multi-line body", () => {
        let loaded: LoadedModel | undefined;
        before(async () => { loaded = await load(await ensureScriptedModel(SCRIPTS.multiLine)); });
        after(() => unload(loaded));

        it("continues the function header with the whole body, then <|endoftext|>", async () => {
            const generated = await greedy(loaded!, "def area(w, h):\n");
            assert.equal(generated.at(-1), END_OF_TEXT_TOKEN);
            assert.equal(loaded!.model.detokenize(generated.slice(0, -1) as Token[]), SCRIPTS.multiLine.slice("def area(w, h):\n".length));
        });

        it("still replays after ~1900 tokens of other code (look-back attention holds over the whole context)", async () => {
            const llama = await getTestLlama();
            const model = await llama.loadModel({ modelPath: await ensureScriptedModel(SCRIPTS.multiLine) });
            const long: LoadedModel = { model, context: await model.createContext({ contextSize: 2048, threads: 1, sequences: 1 }) };
            try {
                const line = await tokenizeForTinyModel("values = [compute(item) for item in items if item]\n");
                const filler = Array.from({ length: Math.ceil(1900 / line.length) }, () => line).flat().slice(0, 1900);
                const script = await tokenizeForTinyModel(SCRIPTS.multiLine);
                assert.deepEqual(await greedy(long, [...filler, ...script.slice(0, 6)]), [...script.slice(6), END_OF_TEXT_TOKEN]);
            } finally {
                await unload(long);
            }
        });

        it("continues from inside the body", async () => {
            const prompt = 'def area(w, h):\n    if w < 0:\n        raise ValueError("negative width")\n    ';
            const generated = await greedy(loaded!, prompt);
            assert.equal(loaded!.model.detokenize(generated.slice(0, -1) as Token[]), "result = w * h\n    return result\n");
        });
    });

    describe("scripted model: explain", () => {
        let loaded: LoadedModel | undefined;
        before(async () => { loaded = await load(await ensureScriptedModel(SCRIPTS.explain)); });
        after(() => unload(loaded));

        it("answers a Phi-2 style explain prompt with the scripted explanation", async () => {
            const prompt = "Instruct: Explain what the following Python code does.\n```python\ndef add(a, b):\n    return a + b\n```\nOutput:";
            const generated = await greedy(loaded!, prompt, 200);
            assert.equal(generated.at(-1), END_OF_TEXT_TOKEN);
            assert.deepEqual(generated.slice(0, -1), await scriptAfter(SCRIPTS.explain, "```\nOutput:"));
            const text = loaded!.model.detokenize(generated.slice(0, -1) as Token[]);
            assert.ok(text.startsWith(" The function `add` takes two numbers"), text);
        });
    });

    describe("scripted model with several scripts", () => {
        const scripts = ["def add(a, b):\n    return a + b\n", "class Point:\n    x: int\n"];
        let loaded: LoadedModel | undefined;
        before(async () => { loaded = await load(await ensureScriptedModel(scripts)); });
        after(() => unload(loaded));

        it("replays each of them", async () => {
            assert.deepEqual(await greedy(loaded!, "def add(a, b):\n"), [...await scriptAfter(scripts[0], "def add(a, b):\n"), END_OF_TEXT_TOKEN]);
            assert.deepEqual(await greedy(loaded!, "class Point:\n"), [...await scriptAfter(scripts[1], "class Point:\n"), END_OF_TEXT_TOKEN]);
        });
    });

    describe("scripted model cache", () => {
        it("returns the same cached file for the same script and a different one for another script", async () => {
            const first = await ensureScriptedModel(SCRIPTS.add);
            const again = await ensureScriptedModel([SCRIPTS.add]);
            const other = await ensureScriptedModel(SCRIPTS.exactText);
            assert.equal(again, first);
            assert.notEqual(other, first);
            assert.ok(first.startsWith(TINY_MODELS_DIRECTORY));
            assert.match(basename(first), /^tiny-phi2-scripted-[0-9a-f]{16}\.gguf$/);
            const { size } = await stat(first);
            assert.ok(size > 10e6 && size < 30e6, `size ${size}`);
        });

        it("rejects a script that repeats a token pair with different continuations, naming the tokens", async () => {
            await assert.rejects(ensureScriptedModel("y = 0\nx = 1\ny = 0\nx = 2\n"), (error: unknown) => {
                assert.ok(error instanceof ScriptConflictError);
                assert.match(error.message, /" =" \(id \d+\) after "\\n" \(id 198\) "x" \(id \d+\) is followed by both " 1" \(id \d+\) and " 2"/);
                return true;
            });
        });
    });

    describe("random model", () => {
        let loaded: LoadedModel | undefined;
        before(async () => { loaded = await load(await ensureRandomModel()); });
        after(() => unload(loaded));

        it("loads as phi2 and generates non-empty text without ending", async () => {
            assert.equal(loaded!.model.fileInfo.metadata.general.architecture, "phi2");
            assert.equal(loaded!.model.tokens.eos, END_OF_TEXT_TOKEN);
            const generated = await greedy(loaded!, "def add(a, b):\n", 16);
            assert.equal(generated.length, 16);
            assert.ok(!generated.includes(END_OF_TEXT_TOKEN));
            assert.ok(generated.every((token) => token < 50295), "no padding tokens");
            assert.ok(loaded!.model.detokenize(generated as Token[]).trim().length > 0);
        });
    });
});
