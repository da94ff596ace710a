// Completions keep priority over explanations and background prefill, through the real host.
// Explanations stream on their own sequence key with priority "background": a completion that
// arrives meanwhile is served between two explanation tokens, and the explanation then carries
// on where it was. The assertions are on the order of events and on counters, never on times,
// so they hold on a loaded machine.
import assert from "node:assert/strict";
import type { ModelHostClient } from "../../src/hostClient/ModelHostClient";
import type { GenerationResult } from "../../src/core/types";
import { ensureRandomModel, ensureScriptedModel, SCRIPTS } from "../support/tinyModels";
import { createClient, loadParams, pythonSource } from "./hostHarness";

const EXPLAIN_KEY = "explain";

/** A Phi-2 QA prompt around `code`, shaped like the extension's explanation prompt. */
function explainPrompt(code: string): string {
    return `Instruct: Explain what the following Python code does.\n\`\`\`python\n${code}\`\`\`\nOutput:`;
}

/** Tracks whether a promise has settled, to assert that work is still running at some point. */
function track<T>(promise: Promise<T>): { readonly promise: Promise<T>; readonly settled: () => boolean } {
    let settled = false;
    const tracked = promise.finally(() => {
        settled = true;
    });
    return { promise: tracked, settled: () => settled };
}

/** A promise resolved from a streaming callback, so the next request goes out the moment a chunk arrives. */
function signalWhen(): { readonly reached: Promise<void>; readonly mark: () => void } {
    let mark: () => void = () => undefined;
    const reached = new Promise<void>((resolve) => (mark = resolve));
    return { reached, mark };
}

describe("model host priorities (tiny random model)", function () {
    this.timeout(120_000);
    let client: ModelHostClient;

    before(async () => {
        ({ client } = createClient());
        // Two sequences: one per key in each test below (a document and the explanation).
        await client.load(loadParams(await ensureRandomModel(), { sequences: 2, prefillChunkTokens: 32 }));
    });

    after(() => client?.dispose());

    it("serves a completion between the tokens of a running explanation, which then finishes in full", async () => {
        // One event list in the order the host sent them (IPC keeps the order).
        const events: string[] = [];
        const explanationChunks: string[] = [];
        const generating = signalWhen();
        const explanation = track(
            client.generate({
                sequenceKey: EXPLAIN_KEY,
                prompt: explainPrompt("def add(a, b):\n    return a + b\n"),
                maxTokens: 400,
                priority: "background",
                onText: (chunk) => {
                    explanationChunks.push(chunk);
                    events.push("explain");
                    if (explanationChunks.length === 3) generating.mark();
                },
            }),
        );
        // The explanation is generating (not prefilling) before the completion is sent.
        await Promise.race([generating.reached, explanation.promise]);

        let completionStreamed = false;
        const completion = await client.generate({
            sequenceKey: "doc",
            prompt: pythonSource(300, 7) + "def main(argv):\n",
            maxTokens: 24,
            onText: () => {
                if (!completionStreamed) events.push("completion-first-text");
                completionStreamed = true;
            },
        });
        events.push("completion-done");
        assert.equal(explanation.settled(), false, "the explanation is still running when the completion is answered");
        assert.equal(completion.counters.generatedTokens, 24);

        const result: GenerationResult = await explanation.promise;
        events.push("explain-done");
        assert.equal(result.stopReason, "maxTokens");
        assert.equal(result.counters.generatedTokens, 400);
        assert.equal(explanationChunks.join(""), result.text, "the explanation streamed its whole text, nothing lost across the pause");

        // While the completion generated, the explanation was held: at most the one token that
        // was already being evaluated when the completion arrived.
        const first = events.indexOf("completion-first-text");
        const done = events.indexOf("completion-done");
        assert.ok(first !== -1, "the completion streamed text");
        const explanationDuringCompletion = events.slice(first, done).filter((event) => event === "explain").length;
        assert.ok(explanationDuringCompletion <= 1, `${explanationDuringCompletion} explanation chunks while the completion generated: ${events.join(" ")}`);
        assert.ok(events.slice(done).filter((event) => event === "explain").length > 0, "the explanation resumed after the completion");
    });

    it("keeps the completion cache of a document across an explanation", async () => {
        const prompt = pythonSource(400, 91) + "def report(items):\n    total = compute_3(items, limit=4)\n    if total";
        const before = await client.generate({ sequenceKey: "doc", prompt, maxTokens: 4 });
        const explanation = await client.generate({
            sequenceKey: EXPLAIN_KEY,
            prompt: explainPrompt(prompt.slice(-200)),
            maxTokens: 32,
            priority: "background",
        });
        assert.equal(explanation.counters.generatedTokens, 32);

        const after = await client.generate({ sequenceKey: "doc", prompt: prompt + " ", maxTokens: 4 });
        const counters = JSON.stringify({ before: before.counters, after: after.counters });
        assert.ok(after.counters.evaluatedTokens >= 1 && after.counters.evaluatedTokens <= 2, counters);
        assert.ok(after.counters.reusedTokens >= before.counters.promptTokens - 1, counters);
        assert.equal(after.counters.reusedTokens + after.counters.evaluatedTokens, after.counters.promptTokens);
    });

    it("answers a completion before a long background prefill on another key, which still completes", async () => {
        const order: string[] = [];
        const prefill = track(client.prefill({ sequenceKey: "warm", prompt: pythonSource(1500, 51), priority: "background" }).then((result) => {
            order.push("prefill");
            return result;
        }));
        const completion = await client.generate({ sequenceKey: "doc", prompt: "def add(a, b):\n", maxTokens: 4 });
        order.push("completion");
        assert.equal(prefill.settled(), false, "the prefill is still running when the completion is answered");
        const prefilled = await prefill.promise;
        assert.deepEqual(order, ["completion", "prefill"]);
        assert.equal(completion.counters.generatedTokens, 4);
        assert.equal(prefilled.completed, true);
        assert.equal(prefilled.counters.reusedTokens + prefilled.counters.evaluatedTokens, prefilled.counters.promptTokens);
    });

    it("takes the sequence of a background prefill when every sequence is busy, and leaves the explanation alone", async () => {
        // Sent back to back: the host hands sequences out in arrival order, so the explanation and
        // the prefill hold both sequences when the completion asks for one.
        const explanation = track(
            client.generate({ sequenceKey: EXPLAIN_KEY, prompt: explainPrompt("x = 1\n"), maxTokens: 400, priority: "background" }),
        );
        const prefill = track(client.prefill({ sequenceKey: "other-doc", prompt: pythonSource(1500, 61), priority: "background" }));
        const completion = await client.generate({ sequenceKey: "doc", prompt: "import os\n", maxTokens: 4 });
        assert.equal(completion.counters.generatedTokens, 4);
        assert.equal(explanation.settled(), false, "the explanation is still running when the completion is answered");

        const prefilled = await prefill.promise;
        assert.equal(prefilled.completed, false, "the prefill gave its sequence up");
        const explained = await explanation.promise;
        assert.equal(explained.stopReason, "maxTokens");
        assert.equal(explained.counters.generatedTokens, 400);
    });
});

describe("model host priorities (scripted tiny model)", function () {
    this.timeout(120_000);
    let client: ModelHostClient;

    before(async () => {
        ({ client } = createClient());
        await client.load(loadParams(await ensureScriptedModel([SCRIPTS.add, SCRIPTS.explain]), { sequences: 2 }));
    });

    after(() => client?.dispose());

    it("resumes a paused explanation with exactly the text it would have written", async () => {
        const events: string[] = [];
        const streamed: string[] = [];
        const generating = signalWhen();
        const explanation = client.generate({
            sequenceKey: EXPLAIN_KEY,
            prompt: explainPrompt("def add(a, b):\n    return a + b\n"),
            maxTokens: 200,
            priority: "background",
            onText: (chunk) => {
                streamed.push(chunk);
                events.push("explain");
                generating.mark();
            },
        });
        await Promise.race([generating.reached, explanation]);
        const completion = await client.generate({ sequenceKey: "doc", prompt: "import os\n\ndef add(a, b):\n", maxTokens: 20 });
        events.push("completion-done");
        assert.equal(completion.text, "    return a + b\n");

        const result = await explanation;
        assert.equal(result.stopReason, "eos");
        assert.equal(result.text, SCRIPTS.explain.slice("```\nOutput:".length));
        assert.equal(streamed.join(""), result.text);
        // The explanation was interrupted: it streamed both before and after the completion.
        assert.ok(events.indexOf("completion-done") < events.lastIndexOf("explain"), events.join(" "));
    });
});
