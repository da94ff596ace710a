// First part first, threads by measurement and the KV budget on the real model host (tiny models:
// build first, `npm run build`). Assertions are on what the host reports and on text, never on
// times: the latency budget below is a setting that makes every generation show a first part.
import assert from "node:assert/strict";
import { CompletionEngine } from "../../src/core/completion/CompletionEngine";
import { DEFAULT_COMPLETION_SETTINGS, withSettings } from "../../src/core/completion/CompletionSettings";
import { createTextSnapshot } from "../../src/core/python/textSnapshot";
import { fastestThreadCount } from "../../src/core/model/threadChoice";
import type { GenerateOptions, PrefillOptions, PrefillResult, TextGenerator } from "../../src/core/textGenerator";
import type { GenerationResult } from "../../src/core/types";
import type { ModelHostClient } from "../../src/hostClient/ModelHostClient";
import { ensureRandomModel, ensureScriptedModel, SCRIPTS } from "../support/tinyModels";
import { createClient, loadParams } from "./hostHarness";

class CountingGenerator implements TextGenerator {
    generateCalls = 0;

    constructor(private readonly inner: TextGenerator) {}

    generate(options: GenerateOptions): Promise<GenerationResult> {
        this.generateCalls++;
        return this.inner.generate(options);
    }

    prefill(options: PrefillOptions): Promise<PrefillResult> {
        return this.inner.prefill(options);
    }
}

describe("first part first on the model host (scripted multi-line model)", function () {
    this.timeout(120_000);
    let host: ModelHostClient;

    before(async () => {
        ({ client: host } = createClient());
        await host.load(loadParams(await ensureScriptedModel(SCRIPTS.multiLine)));
    });

    after(() => host?.dispose());

    it("shows a first part before the whole block, and the whole block from the cache once it is generated", async () => {
        const generator = new CountingGenerator(host);
        // A budget of 1 ms is spent before any token comes: the first part is whatever came first.
        const engine = new CompletionEngine(generator, { settings: withSettings(DEFAULT_COMPLETION_SETTINGS, { latencyBudgetMs: 1, multiline: "always" }) });
        const source = "def area(w, h):\n    ";
        const document = createTextSnapshot(source, { uri: "file:///work/area.py" });
        const position = { line: 1, character: 4 };
        const part = await engine.complete({ document, position, signal: new AbortController().signal, trigger: "automatic" });
        assert.ok(part.continuation, `a first part, the generation going on: ${JSON.stringify(part.stats)}`);
        const shown = part.suggestion?.insertText ?? "";
        assert.ok(shown.length > 0, "something to show");
        const end = await part.continuation.ended;
        assert.equal(end.longer, true, `the block is longer than its first part ${JSON.stringify(shown)}`);
        const body = SCRIPTS.multiLine.slice("def area(w, h):\n    ".length);
        const whole = await engine.complete({ document, position, signal: new AbortController().signal, trigger: "automatic" });
        assert.equal(whole.stats.source, "cache");
        assert.equal(whole.suggestion?.insertText, body.trimEnd());
        assert.ok(body.startsWith(shown), `${JSON.stringify(shown)} starts ${JSON.stringify(body)}`);
        assert.ok(end.counters.generatedTokens >= 10, `the generation ran to the end: ${JSON.stringify(end.counters)}`);
        assert.equal(generator.generateCalls, 1, "one generation served both");
    });
});

describe("threads by measurement and the KV budget on the model host (tiny random model)", function () {
    this.timeout(120_000);
    let host: ModelHostClient | undefined;

    afterEach(() => {
        host?.dispose();
        host = undefined;
    });

    it("measures generation with each candidate thread count and uses the fastest", async () => {
        ({ client: host } = createClient());
        const info = await host.load(loadParams(await ensureRandomModel(), { threads: 1, threadCandidates: [1, 2] }));
        const measured = info.threadMeasurements ?? [];
        assert.deepEqual(measured.map((m) => m.threads), [1, 2]);
        for (const m of measured) assert.ok(m.generatedTokensPerS > 0 && (m.promptTokensPerS ?? 0) > 0, JSON.stringify(m));
        assert.equal(info.threads, fastestThreadCount(measured));
        const result = await host.generate({ sequenceKey: "a", prompt: "def f():\n", maxTokens: 4 });
        assert.ok(result.counters.generatedTokens > 0, "the model generates with the chosen count");
    });

    it("fits sequences x context into the KV budget", async () => {
        ({ client: host } = createClient());
        // The tiny model's KV costs 512 bytes per token: 1 MiB holds 2,048 tokens, 2 x 1,024.
        const info = await host.load(loadParams(await ensureRandomModel(), { sequences: 3, contextSize: 2048, kvCacheBudgetMb: 1 }));
        assert.equal(info.sequences, 2);
        assert.equal(info.contextSize, 1024);
        const unlimited = await host.load(loadParams(await ensureRandomModel(), { sequences: 3, contextSize: 2048, kvCacheBudgetMb: 0 }));
        assert.equal(unlimited.sequences, 3);
        assert.equal(unlimited.contextSize, 2048);
    });
});

describe("window steps by erase + shift on the model host (tiny random model)", function () {
    this.timeout(120_000);
    let host: ModelHostClient | undefined;

    afterEach(() => {
        host?.dispose();
        host = undefined;
    });

    /** Prefills [header][dropped][kept], then [header][kept][typed]: what the second one evaluates. */
    async function windowStep(shiftWindow: boolean) {
        ({ client: host } = createClient());
        await host.load(loadParams(await ensureRandomModel(), { shiftWindow }));
        const header = "import os\nimport sys\n\n";
        const lines = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => `value_${from + i} = compute(${from + i}, limit=${i % 7})\n`).join("");
        const first = await host.prefill({ sequenceKey: "file:///work/step.py", prompt: header + lines(0, 10) + lines(10, 40) });
        assert.equal(first.completed, true);
        const kept = await host.prefill({ sequenceKey: "file:///work/step.py", prompt: header + lines(10, 40) + "total = " });
        const keptTokens = await host.countTokens(header + lines(10, 40));
        const headerTokens = await host.countTokens(header);
        return { counters: kept.counters, keptTokens, headerTokens };
    }

    it("erases the dropped lines and shifts the kept ones instead of evaluating them again", async () => {
        const { counters, keptTokens } = await windowStep(true);
        assert.ok(counters.reusedTokens >= keptTokens - 2, `header and kept body reused: ${JSON.stringify(counters)} of ${keptTokens}`);
        assert.ok(counters.evaluatedTokens <= 8, `only the typed end evaluated: ${JSON.stringify(counters)}`);
    });

    it("evaluates the kept lines again with the shift off", async () => {
        const { counters, keptTokens, headerTokens } = await windowStep(false);
        assert.ok(counters.reusedTokens <= headerTokens + 4, `only the header (${headerTokens} tokens, and the start of the first line) reused: ${JSON.stringify(counters)}`);
        assert.ok(counters.evaluatedTokens >= keptTokens - 16, `the body evaluated again: ${JSON.stringify(counters)}`);
    });
});
