// "Explain This Code" on the real model host (dist/modelHost.mjs, build first: `npm run build`;
// `npm run test:model` does), through the same ExplainSession and prompt builder the extension uses.
//
//   scripted tiny model  the exact explanation text, streamed; the completion cache survives it
//   random tiny model    Stop mid-stream keeps the text so far; the length cap (maxTokens)
//
// The assertions are on texts, counters and the order of events, never on times.
import assert from "node:assert/strict";
import { CompletionEngine } from "../../src/core/completion/CompletionEngine";
import type { CompletionOutcome } from "../../src/core/completion/CompletionEngine";
import { DEFAULT_COMPLETION_SETTINGS, withSettings } from "../../src/core/completion/CompletionSettings";
import type { Timers } from "../../src/core/completion/scheduler";
import { createTextSnapshot } from "../../src/core/python/textSnapshot";
import { EXPLAIN_SEQUENCE_KEY, ExplainSession, type ExplainEvent, type ExplainOutcome } from "../../src/core/explain/ExplainSession";
import { buildExplainJob, type ExplainJob } from "../../src/core/explain/explainPrompt";
import { createTreeSitterSyntaxGuard, type TreeSitterSyntaxGuard } from "../../src/core/syntax/treeSitterSyntaxGuard";
import type { DocumentSnapshot, GenerationCounters, Position, Range } from "../../src/core/types";
import type { ModelHostClient } from "../../src/hostClient/ModelHostClient";
import type { ModelInfo } from "../../src/protocol/modelHostProtocol";
import { locateTreeSitterWasmDirectory } from "../../src/cli/treeSitterWasm";
import { ensureRandomModel, ensureScriptedModel, SCRIPTS } from "../support/tinyModels";
import { createClient, loadParams, pythonSource } from "./hostHarness";

/** A module with imports and two functions; `add` (lines 4-5) is what the explain script is about. */
const MODULE = [
    "import math",
    "from typing import Sequence",
    "",
    "",
    "def add(a, b):",
    "    return a + b",
    "",
    "",
    "def mean(values: Sequence[float]) -> float:",
    "    return math.fsum(values) / len(values)",
    "",
].join("\n");

/** Whole lines 4-5 selected, as a drag from column 0 ends: at column 0 of the next line. */
const ADD_SELECTION: Range = { start: { line: 4, character: 0 }, end: { line: 6, character: 0 } };

/**
 * What the session must show for the explain script. The prompt ends with "```\nOutput:", so the
 * model writes the rest of the script: " The function ...caller\n" and then <|endoftext|>. The
 * session drops the leading space (Phi-2 writes one after `Output:`) and the trailing newline.
 */
const SCRIPTED_EXPLANATION =
    "The function `add` takes two numbers, a and b, and returns their sum.\n\n" +
    "1. First it receives the two arguments\n" +
    "2. Then it adds them with the + operator\n" +
    "3. Finally the result goes back to the caller";

/** Timers that fire on the next turn of the event loop: the completion debounce runs without real waits. */
const IMMEDIATE_TIMERS: Timers = {
    setTimeout: (callback) => setImmediate(callback),
    clearTimeout: (handle) => clearImmediate(handle as ReturnType<typeof setImmediate>),
};

/** Prompt tokens a completion may evaluate when its sequence still holds the earlier prompt. */
const WARM_EVALUATED_MAX = 8;

interface RecordedRun {
    readonly session: ExplainSession;
    readonly events: ExplainEvent[];
    /** The text chunks in the order they were streamed. */
    readonly chunks: string[];
    readonly outcome: ExplainOutcome;
}

/**
 * Runs an ExplainSession to its end, recording its events. `onChunk` sees each text chunk as it
 * arrives (with the session, so it can press Stop).
 */
async function explain(host: ModelHostClient, job: ExplainJob, onChunk?: (session: ExplainSession, count: number) => void): Promise<RecordedRun> {
    const events: ExplainEvent[] = [];
    const chunks: string[] = [];
    const session: ExplainSession = new ExplainSession(host, job, (event) => {
        events.push(event);
        if (event.kind !== "text") return;
        chunks.push(event.chunk);
        onChunk?.(session, chunks.length);
    });
    await session.start();
    assert.equal(session.error, undefined, `the session failed: ${String(session.error)}`);
    const outcome = session.outcome;
    assert.ok(outcome, "a finished session has an outcome");
    return { session, events, chunks, outcome };
}

function statuses(events: readonly ExplainEvent[]): string[] {
    return events.flatMap((event) => (event.kind === "status" ? [event.status] : []));
}

/** Events are: "streaming", then only text, then one final status (nothing after it). */
function assertEventOrder(run: RecordedRun, finalStatus: string): void {
    const { events } = run;
    assert.deepEqual(statuses(events), ["streaming", finalStatus]);
    assert.deepEqual(events[0], { kind: "status", status: "streaming" });
    assert.deepEqual(events[events.length - 1], { kind: "status", status: finalStatus }, "no text after the final status");
    // Each text event carries the whole text so far: the chunks only ever append.
    let soFar = "";
    for (const event of events) {
        if (event.kind !== "text") continue;
        soFar += event.chunk;
        assert.equal(event.text, soFar);
    }
    assert.equal(run.chunks.join(""), run.session.text, "the streamed chunks join to the session's text");
    assert.equal(run.outcome.text, run.session.text);
}

function assertCountersAddUp(counters: GenerationCounters | undefined): GenerationCounters {
    assert.ok(counters, "the host reported counters");
    assert.equal(counters.reusedTokens + counters.evaluatedTokens, counters.promptTokens, JSON.stringify(counters));
    return counters;
}

function buildJob(document: DocumentSnapshot, cursor: Position, selection: Range | undefined, maxTokens: number, contextTokens: number): ExplainJob {
    const job = buildExplainJob(document, cursor, selection, { maxTokens, contextTokens });
    assert.ok(job, "there is code to explain");
    return job;
}

describe("explanations on the model host (scripted tiny model)", function () {
    this.timeout(120_000);
    let host: ModelHostClient;
    let info: ModelInfo;
    let guard: TreeSitterSyntaxGuard;

    before(async () => {
        ({ client: host } = createClient());
        // Two sequences: one for the explanation, one for the document being completed.
        info = await host.load(loadParams(await ensureScriptedModel([SCRIPTS.add, SCRIPTS.explain]), { sequences: 2, prefillChunkTokens: 128 }));
        guard = await createTreeSitterSyntaxGuard({ wasmDirectory: locateTreeSitterWasmDirectory() });
    });

    after(() => {
        host?.dispose();
        guard?.dispose();
    });

    it("streams exactly the scripted explanation of a selection", async () => {
        const document = createTextSnapshot(MODULE, { uri: "file:///work/arith.py" });
        const job = buildJob(document, ADD_SELECTION.end, ADD_SELECTION, 300, info.contextSize);
        assert.equal(job.source.kind, "selection");
        assert.deepEqual([job.source.startLine, job.source.endLine], [4, 5]);
        assert.equal(job.code, "def add(a, b):\n    return a + b");
        assert.deepEqual(job.imports, [], "add uses no import");
        assert.equal(job.fileName, "arith.py");
        assert.ok(job.prompt.startsWith("Instruct: "), job.prompt);
        assert.ok(job.prompt.endsWith("```python\ndef add(a, b):\n    return a + b\n```\nOutput:"), job.prompt);
        // The expected text is the script after the prompt's last word, cleaned as the session does.
        const scriptAfterPrompt = SCRIPTS.explain.slice(SCRIPTS.explain.indexOf("Output:") + "Output:".length);
        assert.equal(SCRIPTED_EXPLANATION, scriptAfterPrompt.trim());

        const run = await explain(host, job);
        assert.equal(run.session.text, SCRIPTED_EXPLANATION);
        assertEventOrder(run, "done");
        assert.ok(run.chunks.length >= 10, `streamed as it was written, not in one piece: ${run.chunks.length} chunks`);
        assert.equal(run.outcome.stopReason, "eos");
        assert.equal(run.outcome.stopRule, undefined);
        assert.equal(run.outcome.reachedLengthCap, false);
        const counters = assertCountersAddUp(run.outcome.counters);
        assert.ok(counters.generatedTokens >= 30 && counters.generatedTokens < 300, JSON.stringify(counters));
    });

    it("keeps a document's completion cache across an explanation: the next keystroke reuses the prompt", async () => {
        let clock = 0;
        const engine = new CompletionEngine(host, {
            // Without the typing prefill, each request's counters show all it read itself (the cold one too).
            settings: withSettings(DEFAULT_COMPLETION_SETTINGS, { contextTokens: info.contextSize, prefillWhileTyping: false }),
            syntaxGuard: guard,
            now: () => clock,
            timers: IMMEDIATE_TIMERS,
        });
        const uri = "file:///work/report.py";
        let text = `${pythonSource(400, 17)}def report(items):\n    total = compute_17(items, limit=4)\n    if total`;
        let version = 1;
        const complete = (): Promise<CompletionOutcome> => {
            clock += 300; // a pause after a keystroke: a request fires
            const document = createTextSnapshot(text, { uri, version });
            const lines = text.split("\n");
            const position = { line: lines.length - 1, character: lines[lines.length - 1].length };
            return engine.complete({ document, position, signal: new AbortController().signal, trigger: "automatic" });
        };

        const before = await complete();
        assert.equal(before.stats.source, "model", JSON.stringify(before.stats));
        const cold = assertCountersAddUp(before.stats.counters);
        assert.ok(cold.promptTokens >= 300 && cold.evaluatedTokens >= cold.promptTokens * 0.9, `the first request evaluates its prompt: ${JSON.stringify(cold)}`);

        // "Explain This Code" with the cursor in compute_18 (no selection): the enclosing function.
        const document = createTextSnapshot(text, { uri, version });
        const functionLine = text.split("\n").findIndex((line) => line.startsWith("def compute_18("));
        const job = buildJob(document, { line: functionLine + 2, character: 8 }, undefined, 300, info.contextSize);
        assert.equal(job.source.kind, "function");
        assert.equal(job.source.name, "compute_18");
        const explanation = await explain(host, job);
        assert.equal(explanation.session.text, SCRIPTED_EXPLANATION);
        const explained = assertCountersAddUp(explanation.outcome.counters);
        assert.ok(explained.evaluatedTokens >= 20, `the explanation evaluated its own prompt: ${JSON.stringify(explained)}`);

        text += " ";
        version++;
        const after = await complete();
        assert.equal(after.stats.source, "model", JSON.stringify(after.stats));
        const warm = assertCountersAddUp(after.stats.counters);
        const figures = JSON.stringify({ before: cold, explanation: explained, after: warm });
        assert.ok(warm.evaluatedTokens >= 1 && warm.evaluatedTokens <= WARM_EVALUATED_MAX, `one typed character costs a few tokens: ${figures}`);
        assert.ok(warm.reusedTokens > 0.9 * warm.promptTokens, `the document's prompt is reused: ${figures}`);
        assert.ok(warm.reusedTokens >= cold.promptTokens - 2, `all of the earlier prompt but its last tokens is reused: ${figures}`);
        console.log(`      before: ${cold.evaluatedTokens} evaluated; explanation: ${explained.evaluatedTokens} evaluated on "${EXPLAIN_SEQUENCE_KEY}"; after: ${warm.evaluatedTokens} evaluated, ${warm.reusedTokens} reused`);
    });
});

describe("explanations on the model host (random tiny model)", function () {
    this.timeout(120_000);
    let host: ModelHostClient;
    let info: ModelInfo;
    const document = createTextSnapshot(MODULE, { uri: "file:///work/arith.py" });
    /** The cursor in `mean`: the enclosing function is explained. */
    const cursorInMean: Position = { line: 9, character: 12 };

    before(async () => {
        ({ client: host } = createClient());
        info = await host.load(loadParams(await ensureRandomModel(), { sequences: 1 }));
    });

    after(() => host?.dispose());

    it("Stop ends a long explanation with the text so far, and the host serves the next one", async () => {
        const maxTokens = 1500;
        const job = buildJob(document, cursorInMean, undefined, maxTokens, info.contextSize);
        assert.deepEqual(job.imports, ["import math", "from typing import Sequence"]);
        const stopAfterChunks = 5;
        let statusAtStop: string | undefined;
        const stopped = await explain(host, job, (session, count) => {
            if (count !== stopAfterChunks) return;
            statusAtStop = session.status;
            session.stop();
        });
        assert.equal(statusAtStop, "streaming", `Stop was pressed while it streamed (${stopped.chunks.length} chunks, ${JSON.stringify(stopped.outcome)})`);
        assert.equal(stopped.session.status, "stopped");
        assertEventOrder(stopped, "stopped");
        assert.equal(stopped.outcome.stopReason, "cancelled");
        assert.equal(stopped.outcome.reachedLengthCap, false);
        assert.ok(stopped.session.text.length > 0, "the partial explanation stays");
        const counters = assertCountersAddUp(stopped.outcome.counters);
        // Promptly: the host stopped within a few tokens of the Stop, far from the cap.
        assert.ok(counters.generatedTokens >= stopAfterChunks && counters.generatedTokens <= maxTokens / 10, JSON.stringify(counters));
        console.log(`      stopped after ${counters.generatedTokens} of ${maxTokens} tokens (${stopped.chunks.length} chunks shown)`);

        // The host serves the next request; greedy decoding writes the same tokens again, so an
        // explanation capped at the stopped run's token count is exactly the text Stop kept.
        const again = await explain(host, { ...job, maxTokens: counters.generatedTokens });
        assertEventOrder(again, "done");
        assert.equal(again.outcome.stopReason, "maxTokens");
        assert.equal(again.session.text, stopped.session.text, "Stop kept exactly the text generated before it");
        const againCounters = assertCountersAddUp(again.outcome.counters);
        assert.equal(againCounters.generatedTokens, counters.generatedTokens);
        assert.ok(againCounters.reusedTokens >= counters.promptTokens - 1, `the explain sequence kept the prompt: ${JSON.stringify(againCounters)}`);
    });

    it("ends at the length cap (maxTokens) and says so", async () => {
        const short = await explain(host, buildJob(document, cursorInMean, undefined, 16, info.contextSize));
        const long = await explain(host, buildJob(document, cursorInMean, undefined, 64, info.contextSize));
        for (const [run, cap] of [[short, 16], [long, 64]] as const) {
            assertEventOrder(run, "done");
            assert.equal(run.outcome.stopReason, "maxTokens", JSON.stringify(run.outcome));
            assert.equal(run.outcome.reachedLengthCap, true);
            assert.equal(assertCountersAddUp(run.outcome.counters).generatedTokens, cap);
        }
        assert.ok(short.session.text.length > 0, "the capped explanation is shown");
        assert.ok(long.session.text.length > short.session.text.length, JSON.stringify({ short: short.session.text, long: long.session.text }));
        assert.ok(long.session.text.startsWith(short.session.text), "the same tokens, cut earlier");
    });
});
