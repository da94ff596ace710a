// The llama-server backend against a real llama-server on 127.0.0.1 (built by .ci/setup from
// node-llama-cpp's bundled llama.cpp source) serving the tiny test models: exact text, prefix reuse
// across keystrokes, a slot per document, prefill, cancellation that stops the server's work, a
// server that goes down and comes back, and a wrong API key.
import assert from "node:assert/strict";
import { ServerTextGenerator, type ServerTextGeneratorOptions } from "../../src/serverClient/ServerTextGenerator";
import type { ServerState } from "../../src/serverClient/ServerConnection";
import { LlamaServerError } from "../../src/serverClient/LlamaServerError";
import { assertExactContinuation, EXACT_TEXT_SPLITS } from "./exactContinuation";
import { startLlamaServer, type LlamaServerProcess } from "../support/llamaServer";
import { ensureRandomModel, ensureScriptedModel, SCRIPTS } from "../support/tinyModels";

function createGenerator(server: LlamaServerProcess, options: Partial<ServerTextGeneratorOptions> = {}): ServerTextGenerator {
    return new ServerTextGenerator({ url: server.url, slotOffset: 0, dedicatedKey: "explain", retry: { initialDelayMs: 100, maxDelayMs: 500 }, ...options });
}

function waitForState(generator: ServerTextGenerator, kind: ServerState["kind"], timeoutMs = 30_000): Promise<ServerState> {
    return new Promise((resolve, reject) => {
        if (generator.connection.state.kind === kind) return resolve(generator.connection.state);
        const timer = setTimeout(() => {
            subscription.dispose();
            reject(new Error(`state stayed ${generator.connection.state.kind}, wanted ${kind}`));
        }, timeoutMs);
        const subscription = generator.connection.onDidChangeState((state) => {
            if (state.kind !== kind) return;
            clearTimeout(timer);
            subscription.dispose();
            resolve(state);
        });
    });
}

async function slotIsProcessing(server: LlamaServerProcess, slot: number): Promise<boolean> {
    const slots = (await (await fetch(`${server.url}/slots`)).json()) as { id: number; is_processing: boolean }[];
    return slots.find((entry) => entry.id === slot)?.is_processing ?? false;
}

describe("llama-server backend: exact text (scripted tiny model)", function () {
    this.timeout(120_000);
    let server: LlamaServerProcess;
    let generator: ServerTextGenerator;

    before(async () => {
        server = await startLlamaServer({ modelPath: await ensureScriptedModel([SCRIPTS.exactText, SCRIPTS.add]), slots: 3 });
        generator = createGenerator(server);
        const info = await generator.connection.connect();
        assert.equal(info.slots, 3);
        assert.equal(info.slotContextSize, 2048);
    });

    after(async () => {
        generator?.dispose();
        await server?.stop();
    });

    for (const split of EXACT_TEXT_SPLITS) {
        it(`continues ${JSON.stringify(split)} with the exact rest of the script`, () => assertExactContinuation(generator, "exact", split));
    }

    it("keeps the spaces that llama.cpp's detokenizer (node-llama-cpp's) drops", async () => {
        const result = await generator.generate({ sequenceKey: "exact", prompt: "if x", maxTokens: 60 });
        assert.ok(result.text.startsWith(" != y:\n    from . import a\n\tpass\n"), JSON.stringify(result.text));
    });

    it("completes the add script and counts the generated tokens", async () => {
        const result = await generator.generate({ sequenceKey: "add", prompt: "def add(a, b):\n", maxTokens: 50 });
        assert.equal(result.text, "    return a + b\n");
        assert.equal(result.stopReason, "eos");
        assert.ok(result.counters.generatedTokens >= 5, JSON.stringify(result.counters));
    });

    it("ends at a stop string without returning or streaming any of it", async () => {
        const streamed: string[] = [];
        const result = await generator.generate({ sequenceKey: "exact", prompt: "if x", maxTokens: 60, stopStrings: ["\n\tpa"], onText: (chunk) => void streamed.push(chunk) });
        assert.equal(result.text, " != y:\n    from . import a");
        assert.equal(result.stopReason, "stopRule");
        assert.equal(streamed.join(""), result.text);
    });

    it("stops when the caller's stream callback says so", async () => {
        const result = await generator.generate({ sequenceKey: "exact", prompt: "if x", maxTokens: 60, onText: (chunk) => !chunk.includes("\n") });
        assert.equal(result.stopReason, "stopRule");
        assert.ok(result.text.includes("\n") && result.text.length < SCRIPTS.exactText.length - 4, JSON.stringify(result.text));
    });

    it("stops at maxTokens with the exact text so far", async () => {
        const result = await generator.generate({ sequenceKey: "exact", prompt: "if x", maxTokens: 2 });
        assert.equal(result.stopReason, "maxTokens");
        assert.equal(result.counters.generatedTokens, 2);
        assert.equal(result.text, " != y");
    });

    it("reuses the cached prefix keystroke after keystroke (timings: cache_n, prompt_n)", async () => {
        const typed = "if x != y:\n    from . import a\n";
        const counters = [];
        for (let length = 12; length <= typed.length; length += 3) {
            const result = await generator.generate({ sequenceKey: "typing", prompt: typed.slice(0, length), maxTokens: 3 });
            counters.push(result.counters);
        }
        // The first request may reuse what its slot held before (another test's "if x..."); the
        // keystrokes after it must evaluate only what changed.
        // Three more characters re-tokenize the last token or two and add one or two.
        for (const next of counters.slice(1)) {
            assert.ok(next.evaluatedTokens <= 4, `a keystroke re-evaluated ${next.evaluatedTokens} tokens: ${JSON.stringify(next)}`);
            assert.equal(next.promptTokens, next.reusedTokens + next.evaluatedTokens);
        }
        const last = counters[counters.length - 1]!;
        assert.ok(last.promptTokens >= 10 && last.reusedTokens >= last.promptTokens - 4, JSON.stringify(last));
    });

    it("keeps each document's prefix in its own slot while they alternate", async () => {
        const documents = { "file:///a.py": "def add(a, b):\n", "file:///b.py": "if x != y:\n    from . import a\n" };
        for (const [key, prompt] of Object.entries(documents)) await generator.generate({ sequenceKey: key, prompt, maxTokens: 2 });
        for (const [key, prompt] of Object.entries(documents)) {
            const again = await generator.generate({ sequenceKey: key, prompt, maxTokens: 2 });
            assert.ok(again.counters.evaluatedTokens <= 1, `${key}: ${JSON.stringify(again.counters)}`);
        }
    });

    it("says which document lost its slot to a new one", async () => {
        // Two document slots (the third is the explanations'): a third document takes the least recently used one.
        const prompts = ["# slot one\ndef add(a, b):\n", "# slot two\nif x != y:\n", "# slot three\nfrom . import a\n"];
        const evicted: string[] = [];
        const run = (index: number) => generator.generate({ sequenceKey: `file:///slot${index}.py`, prompt: prompts[index]!, maxTokens: 1, onKeyEvicted: (key) => evicted.push(key) });
        await run(0);
        await run(1);
        evicted.length = 0; // whatever the earlier tests' documents lost
        await run(2);
        assert.deepEqual(evicted, ["file:///slot0.py"]);
        const again = await run(0);
        assert.deepEqual(evicted, ["file:///slot0.py", "file:///slot1.py"]);
        // llama-server keeps prompts that leave a slot in its RAM prompt cache (--cache-ram, 8 GiB by
        // default) and restores them: the report is what the slot table knows, the server may do better.
        console.log(`      slot0 back on another slot: ${again.counters.reusedTokens} of ${again.counters.promptTokens} prompt tokens restored by the server`);
    });

    it("prefills a prompt so the completion there evaluates almost nothing", async () => {
        // A first line no other test's prompt starts with: the slot's earlier cache is no prefix of it.
        const prompt = "# warmed in the background\nif x != y:\n    from . import a\n\tpass\n";
        const prefill = await generator.prefill({ sequenceKey: "file:///prefilled.py", prompt });
        assert.equal(prefill.completed, true);
        assert.ok(prefill.counters.evaluatedTokens > 5, JSON.stringify(prefill.counters));
        const result = await generator.generate({ sequenceKey: "file:///prefilled.py", prompt, maxTokens: 60 });
        assert.equal(result.text, 's = "héllo ✓ 🙂"\n');
        assert.ok(result.counters.evaluatedTokens <= 1, JSON.stringify(result.counters));
    });
});

describe("llama-server backend: cancellation (random tiny model)", function () {
    this.timeout(120_000);
    let server: LlamaServerProcess;
    let generator: ServerTextGenerator;

    before(async () => {
        server = await startLlamaServer({ modelPath: await ensureRandomModel(), slots: 2 });
        generator = createGenerator(server);
        await generator.connection.connect();
    });

    after(async () => {
        generator?.dispose();
        await server?.stop();
    });

    it("returns the partial text at once and the server stops generating", async () => {
        const controller = new AbortController();
        let streamed = "";
        const pending = generator.generate({
            sequenceKey: "long",
            prompt: "def long_function():\n",
            maxTokens: 1500,
            signal: controller.signal,
            onText: (chunk) => {
                streamed += chunk;
                if (streamed.length > 20) controller.abort();
            },
        });
        const result = await pending;
        const abortedAt = performance.now();
        assert.equal(result.stopReason, "cancelled");
        assert.ok(result.text.length > 20 && result.counters.generatedTokens < 1500, JSON.stringify(result.counters));
        // Slot 0 (this client's first) must go idle: the closed stream ended the server's work.
        for (;;) {
            if (!(await slotIsProcessing(server, 0))) break;
            assert.ok(performance.now() - abortedAt < 10_000, "the server kept generating after the stream was closed");
            await new Promise((resolve) => setTimeout(resolve, 20));
        }
    });

    it("samples with the caller's seed: the same seed gives the same text, another seed another (Explain Again)", async () => {
        const sample = async (seed: number) =>
            (await generator.generate({ sequenceKey: "sampled", prompt: "def describe(values):\n", maxTokens: 24, temperature: 0.7, seed })).text;
        const first = await sample(11);
        assert.equal(await sample(11), first, "a seed reproduces its text");
        assert.notEqual(await sample(12), first);
    });

    it("answers a request aborted before it starts without asking the server", async () => {
        const controller = new AbortController();
        controller.abort();
        const result = await generator.generate({ sequenceKey: "long", prompt: "x = 1\n", maxTokens: 10, signal: controller.signal });
        assert.equal(result.stopReason, "cancelled");
        assert.equal(result.counters.evaluatedTokens, 0);
    });

    it("stops a background prefill on a document when a completion for it arrives", async () => {
        const prompt = "def f():\n" + "    x = [1, 2, 3]\n".repeat(80);
        const prefill = generator.prefill({ sequenceKey: "file:///busy.py", prompt, priority: "background" });
        const completion = await generator.generate({ sequenceKey: "file:///busy.py", prompt: "y = 2\n", maxTokens: 3 });
        assert.equal(completion.counters.generatedTokens, 3);
        // The prefill was asked to stop (on its pinned slot the completion would wait behind it).
        assert.equal((await prefill).completed, false);
    });
});

describe("llama-server backend: server down, restarted, and a wrong API key", function () {
    this.timeout(120_000);

    it("reports an unreachable server, checks again with backoff and works once it is back", async () => {
        const modelPath = await ensureScriptedModel(SCRIPTS.add);
        let server = await startLlamaServer({ modelPath, slots: 1 });
        const generator = createGenerator(server);
        try {
            await generator.connection.connect();
            await server.stop();
            await assert.rejects(generator.generate({ sequenceKey: "add", prompt: "def add(a, b):\n", maxTokens: 20 }), (error: unknown) => error instanceof LlamaServerError && error.code === "UNREACHABLE");
            const retrying = await waitForState(generator, "retrying");
            assert.equal(retrying.kind === "retrying" && retrying.error.code, "UNREACHABLE");
            // While it is down, a keystroke's request fails at once instead of waiting.
            await assert.rejects(generator.generate({ sequenceKey: "add", prompt: "def add(a, b):\n", maxTokens: 20 }));
            server = await startLlamaServer({ modelPath, slots: 1, port: server.port });
            await waitForState(generator, "ready");
            const result = await generator.generate({ sequenceKey: "add", prompt: "def add(a, b):\n", maxTokens: 20 });
            assert.equal(result.text, "    return a + b\n");
            // A restarted server has an empty cache.
            assert.equal(result.counters.reusedTokens, 0);
        } finally {
            generator.dispose();
            await server.stop();
        }
    });

    it("refuses a wrong API key with a message that says how to set it, and works with the right one", async () => {
        const server = await startLlamaServer({ modelPath: await ensureScriptedModel(SCRIPTS.add), slots: 1, apiKey: "team-secret" });
        const wrong = createGenerator(server, { apiKey: "not-the-key" });
        const right = createGenerator(server, { apiKey: "team-secret" });
        try {
            await assert.rejects(wrong.connection.connect(), (error: unknown) => error instanceof LlamaServerError && error.code === "UNAUTHORIZED" && /Set Server API Key/.test(error.message));
            assert.equal(wrong.connection.state.kind, "error");
            await assert.rejects(wrong.generate({ sequenceKey: "add", prompt: "def add(a, b):\n", maxTokens: 20 }), /API key/);
            const result = await right.generate({ sequenceKey: "add", prompt: "def add(a, b):\n", maxTokens: 20 });
            assert.equal(result.text, "    return a + b\n");
        } finally {
            wrong.dispose();
            right.dispose();
            await server.stop();
        }
    });
});
