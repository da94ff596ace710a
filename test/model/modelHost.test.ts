// The model host through its real child process, on the tiny random model: loading, errors,
// prefix reuse counters, sequence keys, background prefill, cancellation and streaming.
// Priorities between requests (explanations, prefill, completions) are in priority.test.ts.
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ModelHostClient } from "../../src/hostClient/ModelHostClient";
import type { PrefillProgress } from "../../src/core/textGenerator";
import type { ModelInfo } from "../../src/protocol/modelHostProtocol";
import { GgufWriter } from "../support/gguf/GgufWriter";
import { ensureRandomModel } from "../support/tinyModels";
import { createClient, elapsedSince, loadParams, pythonSource } from "./hostHarness";

describe("model host (tiny random model)", function () {
    this.timeout(120_000);
    let client: ModelHostClient;
    let modelPath: string;
    let info: ModelInfo;

    before(async () => {
        modelPath = await ensureRandomModel();
        ({ client } = createClient());
        await client.start();
        info = await client.load(loadParams(modelPath, { sequences: 2, prefillChunkTokens: 32 }));
    });

    after(() => client?.dispose());

    it("loads a phi2 model and reports what it loaded", () => {
        assert.equal(info.architecture, "phi2");
        assert.equal(info.modelPath, modelPath);
        assert.equal(info.trainContextSize, 2048);
        assert.equal(info.contextSize, 2048);
        assert.equal(info.sequences, 2);
        assert.equal(info.vocabularySize, 51200);
        assert.equal(info.gpu, false);
        assert.equal(info.threads, 1);
        assert.deepEqual(client.state, { kind: "ready", info });
    });

    it("re-evaluates only a token or two after one character is appended to a ~1000-token prompt", async () => {
        const prompt = pythonSource(1000) + "def main(argv):\n    total = compute_3(argv, limit=4)\n    if total";
        const first = await client.generate({ sequenceKey: "append", prompt, maxTokens: 4 });
        assert.ok(first.counters.promptTokens >= 900 && first.counters.promptTokens <= 1200, `prompt of ${first.counters.promptTokens} tokens`);
        assert.equal(first.counters.reusedTokens, 0);
        assert.equal(first.counters.evaluatedTokens, first.counters.promptTokens);
        assert.equal(first.counters.generatedTokens, 4);

        const second = await client.generate({ sequenceKey: "append", prompt: prompt + " ", maxTokens: 4 });
        assert.ok(second.counters.reusedTokens >= first.counters.promptTokens - 2, JSON.stringify(second.counters));
        assert.ok(second.counters.evaluatedTokens >= 1 && second.counters.evaluatedTokens <= 3, JSON.stringify(second.counters));
        assert.equal(second.counters.reusedTokens + second.counters.evaluatedTokens, second.counters.promptTokens);
        console.log(`      first ${JSON.stringify(first.counters)}\n      +1 char ${JSON.stringify(second.counters)}`);
    });

    it("re-evaluates a single token when the same prompt comes again", async () => {
        const prompt = pythonSource(200, 5);
        await client.generate({ sequenceKey: "same", prompt, maxTokens: 2 });
        const again = await client.generate({ sequenceKey: "same", prompt, maxTokens: 2 });
        assert.equal(again.counters.evaluatedTokens, 1);
        assert.equal(again.counters.reusedTokens, again.counters.promptTokens - 1);
    });

    it("keeps a separate cache per sequence key", async () => {
        const promptA = pythonSource(300, 11);
        const promptB = pythonSource(300, 12);
        await client.generate({ sequenceKey: "doc-a", prompt: promptA, maxTokens: 2 });
        await client.generate({ sequenceKey: "doc-b", prompt: promptB, maxTokens: 2 });
        const backToA = await client.generate({ sequenceKey: "doc-a", prompt: promptA + "x", maxTokens: 2 });
        const backToB = await client.generate({ sequenceKey: "doc-b", prompt: promptB + "x", maxTokens: 2 });
        assert.ok(backToA.counters.evaluatedTokens <= 3, JSON.stringify(backToA.counters));
        assert.ok(backToB.counters.evaluatedTokens <= 3, JSON.stringify(backToB.counters));
    });

    it("hands the least recently used sequence to a new key when there are more keys than sequences", async () => {
        const prompts = { k1: "one = 1\n" + pythonSource(150, 21), k2: "two = 2\n" + pythonSource(150, 22), k3: "three = 3\n" + pythonSource(150, 23) };
        await client.generate({ sequenceKey: "k1", prompt: prompts.k1, maxTokens: 1 });
        await client.generate({ sequenceKey: "k2", prompt: prompts.k2, maxTokens: 1 });
        await client.generate({ sequenceKey: "k3", prompt: prompts.k3, maxTokens: 1 });
        const k2 = await client.generate({ sequenceKey: "k2", prompt: prompts.k2, maxTokens: 1 });
        assert.equal(k2.counters.evaluatedTokens, 1, "k2 was used recently and kept its cache");
        const k1 = await client.generate({ sequenceKey: "k1", prompt: prompts.k1, maxTokens: 1 });
        assert.equal(k1.counters.reusedTokens, 0, `k1 lost its sequence: ${JSON.stringify(k1.counters)}`);
    });

    it("lets a generate reuse what a background prefill evaluated", async () => {
        const prompt = pythonSource(400, 31);
        const prefill = await client.prefill({ sequenceKey: "warm", prompt });
        assert.equal(prefill.completed, true);
        assert.equal(prefill.counters.reusedTokens + prefill.counters.evaluatedTokens, prefill.counters.promptTokens);
        const generated = await client.generate({ sequenceKey: "warm", prompt: prompt + "def", maxTokens: 3 });
        // Only the tokens at the join can change ("\n\n" + "def" may tokenize differently from "\n\n" alone).
        assert.ok(generated.counters.reusedTokens >= prefill.counters.promptTokens - 2, JSON.stringify(generated.counters));
        assert.ok(generated.counters.evaluatedTokens <= 3, JSON.stringify(generated.counters));
    });

    it("reports prefill progress per chunk for a long prompt, and none for one that fits a chunk", async () => {
        const prompt = pythonSource(300, 37);
        const prefillReports: PrefillProgress[] = [];
        const prefill = await client.prefill({ sequenceKey: "progress", prompt, onPrefillProgress: (progress) => prefillReports.push(progress) });
        const toEvaluate = prefill.counters.evaluatedTokens;
        // Chunks of 32 tokens: a report before the first chunk and one after each.
        assert.equal(prefillReports.length, Math.ceil(toEvaluate / 32) + 1, JSON.stringify(prefillReports));
        assert.deepEqual(prefillReports[0], { evaluatedTokens: 0, tokensToEvaluate: toEvaluate });
        assert.deepEqual(prefillReports.at(-1), { evaluatedTokens: toEvaluate, tokensToEvaluate: toEvaluate });
        assert.ok(prefillReports.every((report, index) => index === 0 || report.evaluatedTokens > prefillReports[index - 1]!.evaluatedTokens));

        const generateReports: PrefillProgress[] = [];
        const generated = await client.generate({ sequenceKey: "progress-generate", prompt, maxTokens: 2, onPrefillProgress: (progress) => generateReports.push(progress) });
        assert.equal(generated.counters.generatedTokens, 2, "prefill reports do not disturb the streamed text");
        assert.ok(generateReports.length > 2, JSON.stringify(generateReports));
        const last = generateReports.at(-1)!;
        assert.equal(last.evaluatedTokens, last.tokensToEvaluate);

        const short: PrefillProgress[] = [];
        await client.generate({ sequenceKey: "progress", prompt: `${prompt}def`, maxTokens: 1, onPrefillProgress: (progress) => short.push(progress) });
        assert.deepEqual(short, [], "a few new tokens are not worth a report");
    });

    it("cancels during prefill within a chunk, and the evaluated part stays cached", async () => {
        const prompt = pythonSource(1000, 41);
        const controller = new AbortController();
        let abortedAt = 0;
        setTimeout(() => {
            abortedAt = performance.now();
            controller.abort();
        }, 150);
        const cancelled = await client.generate({ sequenceKey: "cancel-prefill", prompt, maxTokens: 8, signal: controller.signal });
        const settleMs = elapsedSince(abortedAt);
        assert.equal(cancelled.stopReason, "cancelled");
        assert.equal(cancelled.text, "");
        assert.ok(cancelled.counters.evaluatedTokens > 0 && cancelled.counters.evaluatedTokens < cancelled.counters.promptTokens, JSON.stringify(cancelled.counters));
        // Only a gross bound: the machine running the tests may be loaded (the figure is the benchmark's).
        assert.ok(settleMs < 5000, `settled ${settleMs.toFixed(1)} ms after the abort`);
        console.log(`      cancel during prefill settled in ${settleMs.toFixed(1)} ms after ${cancelled.counters.evaluatedTokens}/${cancelled.counters.promptTokens} tokens`);

        const resumed = await client.generate({ sequenceKey: "cancel-prefill", prompt, maxTokens: 2 });
        assert.equal(resumed.counters.reusedTokens, cancelled.counters.reusedTokens + cancelled.counters.evaluatedTokens);
    });

    it("cancels during generation within a token and returns the partial text", async () => {
        const controller = new AbortController();
        let abortedAt = 0;
        const streamed: string[] = [];
        let chunksAfterAbort = 0;
        const result = await client.generate({
            sequenceKey: "cancel-generate",
            prompt: "def main():\n",
            maxTokens: 1000,
            signal: controller.signal,
            onText: (chunk) => {
                if (controller.signal.aborted) chunksAfterAbort++;
                streamed.push(chunk);
                if (streamed.length === 5) {
                    abortedAt = performance.now();
                    controller.abort();
                }
            },
        });
        const settleMs = elapsedSince(abortedAt);
        assert.equal(result.stopReason, "cancelled");
        // The tokens generated while the cancel message was on its way, then nothing more.
        assert.ok(result.counters.generatedTokens >= 5 && result.counters.generatedTokens < 50, JSON.stringify(result.counters));
        assert.ok(chunksAfterAbort < 45, `${chunksAfterAbort} chunks after the abort`);
        assert.equal(result.text, streamed.join(""), "the partial text is what was streamed");
        console.log(`      cancel during generation settled in ${settleMs.toFixed(1)} ms`);
    });

    it("answers an already aborted request with cancelled and no generated tokens", async () => {
        const result = await client.generate({ sequenceKey: "pre-aborted", prompt: pythonSource(300, 81), maxTokens: 10, signal: AbortSignal.abort() });
        assert.equal(result.stopReason, "cancelled");
        assert.equal(result.text, "");
        assert.equal(result.counters.generatedTokens, 0);
    });

    it("stops when onText returns false, with stopReason stopRule", async () => {
        let chunks = 0;
        const result = await client.generate({
            sequenceKey: "stop",
            prompt: "class Parser:\n",
            maxTokens: 1000,
            onText: () => ++chunks < 3,
        });
        assert.equal(result.stopReason, "stopRule");
        assert.ok(result.counters.generatedTokens < 40, JSON.stringify(result.counters));
    });

    it("streams exactly the returned text and honours maxTokens", async () => {
        const streamed: string[] = [];
        const result = await client.generate({ sequenceKey: "stream", prompt: "import os\n", maxTokens: 12, onText: (chunk) => void streamed.push(chunk) });
        assert.equal(result.stopReason, "maxTokens");
        assert.equal(result.counters.generatedTokens, 12);
        assert.equal(streamed.join(""), result.text);
    });

    it("returns what is ready when the time cap passes, never an empty answer", async () => {
        const result = await client.generate({ sequenceKey: "cap", prompt: "x = 1\n", maxTokens: 100_000, timeCapMs: 1 });
        assert.equal(result.stopReason, "timeCap");
        assert.ok(result.counters.generatedTokens >= 1);
        assert.ok(result.text.length > 0);
    });

    it("counts the time cap from the first generated token: a prefill longer than the cap still gets its generation time", async () => {
        const timeCapMs = 50;
        const result = await client.generate({ sequenceKey: "capAfterPrefill", prompt: pythonSource(1800, 67), maxTokens: 100_000, timeCapMs });
        assert.ok(result.counters.prefillMs > timeCapMs, `precondition: the prefill (${result.counters.prefillMs} ms) outlasts the cap`);
        assert.equal(result.stopReason, "timeCap");
        assert.ok(result.counters.generateMs >= timeCapMs, `generated for ${result.counters.generateMs} ms`);
        assert.ok(result.counters.generatedTokens > 1, `${result.counters.generatedTokens} tokens: more than the one a cap counted from the request would leave`);
    });

    it("stops a background prefill when a foreground request arrives for the same key", async () => {
        const prompt = pythonSource(1500, 61);
        const background = client.prefill({ sequenceKey: "shared", prompt, priority: "background" });
        await new Promise((resolve) => setTimeout(resolve, 100));
        const generated = await client.generate({ sequenceKey: "shared", prompt: prompt + "x", maxTokens: 2 });
        const prefill = await background;
        assert.equal(prefill.completed, false);
        assert.ok(prefill.counters.evaluatedTokens > 0);
        assert.equal(generated.counters.reusedTokens, prefill.counters.reusedTokens + prefill.counters.evaluatedTokens);
    });

    it("rejects bad requests with BAD_REQUEST and keeps serving", async () => {
        await assert.rejects(client.generate({ sequenceKey: "bad", prompt: "x", maxTokens: 0 }), { code: "BAD_REQUEST" });
        const result = await client.generate({ sequenceKey: "bad", prompt: "x", maxTokens: 1 });
        assert.equal(result.counters.generatedTokens, 1);
    });

    it("rejects a prompt longer than the context with PROMPT_TOO_LONG", async () => {
        await assert.rejects(client.generate({ sequenceKey: "long", prompt: pythonSource(2500), maxTokens: 1 }), { code: "PROMPT_TOO_LONG" });
    });

    it("stops with contextFull when the prompt and the generation fill the context", async () => {
        let prompt = pythonSource(1900, 71);
        while ((await client.countTokens(prompt)) < info.contextSize - 12) prompt += "x = 1\n";
        const result = await client.generate({ sequenceKey: "full", prompt, maxTokens: 100 });
        assert.equal(result.stopReason, "contextFull");
        assert.ok(result.counters.generatedTokens >= 1 && result.counters.generatedTokens <= 12, JSON.stringify(result.counters));
        assert.ok(result.counters.promptTokens + result.counters.generatedTokens <= info.contextSize);
    });

    it("counts tokens with the model's tokenizer", async () => {
        assert.equal(await client.countTokens("if x != y:"), 5);
    });
});

describe("model host: model file errors", function () {
    this.timeout(60_000);
    let client: ModelHostClient;
    let folder: string;

    before(async () => {
        folder = await mkdtemp(join(tmpdir(), "phi2-host-errors-"));
        ({ client } = createClient());
        await client.start();
    });

    after(async () => {
        client?.dispose();
        await rm(folder, { recursive: true, force: true });
    });

    it("answers NOT_LOADED before a model is loaded", async () => {
        await assert.rejects(client.generate({ sequenceKey: "a", prompt: "x", maxTokens: 1 }), { code: "NOT_LOADED" });
    });

    it("reports a missing file as MODEL_NOT_FOUND", async () => {
        const missing = join(folder, "missing.gguf");
        await assert.rejects(client.load(loadParams(missing)), (error: Error & { code?: string }) => {
            assert.equal(error.code, "MODEL_NOT_FOUND");
            assert.match(error.message, /missing\.gguf/);
            return true;
        });
        assert.equal(client.state.kind, "error");
    });

    it("reports a file that is not GGUF as MODEL_INVALID", async () => {
        const notGguf = join(folder, "model.gguf");
        await writeFile(notGguf, "this is not a model\n".repeat(100));
        await assert.rejects(client.load(loadParams(notGguf)), { code: "MODEL_INVALID" });
    });

    it("reports a GGUF of another architecture as WRONG_ARCHITECTURE, naming it", async () => {
        const llamaFile = join(folder, "llama.gguf");
        await writeFile(llamaFile, new GgufWriter().setString("general.architecture", "llama").setString("general.name", "not phi").toBuffer());
        await assert.rejects(client.load(loadParams(llamaFile)), (error: Error & { code?: string }) => {
            assert.equal(error.code, "WRONG_ARCHITECTURE");
            assert.match(error.message, /"llama"/);
            assert.match(error.message, /phi2/);
            return true;
        });
    });
});
