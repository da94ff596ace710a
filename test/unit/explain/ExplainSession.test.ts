import assert from "node:assert/strict";
import { EXPLAIN_SEQUENCE_KEY, ExplainSession, type ExplainEvent } from "../../../src/core/explain/ExplainSession";
import { buildExplainJob, type ExplainJob } from "../../../src/core/explain/explainPrompt";
import { EXPLAIN_AGAIN_TEMPERATURE, resampledJob } from "../../../src/core/explain/explainSampling";
import type { GenerateOptions, PrefillOptions, PrefillResult, TextGenerator } from "../../../src/core/textGenerator";
import type { GenerationCounters, GenerationResult, StopReason } from "../../../src/core/types";
import { pythonDocument } from "./textDocument";

const COUNTERS: GenerationCounters = { promptTokens: 40, reusedTokens: 0, evaluatedTokens: 40, generatedTokens: 9, prefillMs: 1, generateMs: 2, totalMs: 3 };

/**
 * Streams fixed chunks the way the model host does: one at a time (a macrotask apart, so a
 * Stop can land in between), stopping when onText returns false or the signal aborts.
 */
class ScriptedGenerator implements TextGenerator {
    readonly requests: GenerateOptions[] = [];
    /** Resolves when `pauseAfter` chunks have been sent. */
    paused: Promise<void>;
    private resumePaused!: () => void;

    constructor(
        private readonly chunks: readonly string[],
        private readonly options: { endReason?: StopReason; failAfter?: number; pauseAfter?: number } = {},
    ) {
        let markPaused!: () => void;
        this.paused = new Promise((resolve) => (markPaused = resolve));
        this.resumePaused = markPaused;
    }

    async generate(options: GenerateOptions): Promise<GenerationResult> {
        this.requests.push(options);
        let text = "";
        let stopReason: StopReason = this.options.endReason ?? "eos";
        for (let i = 0; i < this.chunks.length; i++) {
            if (i === this.options.failAfter) throw Object.assign(new Error("model host exited (signal SIGKILL)"), { code: "HOST_EXITED" });
            if (i === this.options.pauseAfter) this.resumePaused();
            await new Promise((resolve) => setTimeout(resolve, 1));
            if (options.signal?.aborted) {
                stopReason = "cancelled";
                break;
            }
            text += this.chunks[i];
            if (options.onText?.(this.chunks[i]) === false) {
                stopReason = "stopRule";
                break;
            }
        }
        return { text, stopReason, counters: COUNTERS };
    }

    prefill(_options: PrefillOptions): Promise<PrefillResult> {
        throw new Error("not used by explanations");
    }
}

function job(): ExplainJob {
    const document = pythonDocument("def add(a, b):\n    return a + b\n");
    const built = buildExplainJob(document, { line: 1, character: 0 }, undefined, { maxTokens: 300, contextTokens: 2048 });
    assert.ok(built);
    return built;
}

function record(): { events: ExplainEvent[]; listener: (event: ExplainEvent) => void } {
    const events: ExplainEvent[] = [];
    return { events, listener: (event) => events.push(event) };
}

describe("ExplainSession", () => {
    it("sends the prompt on the explain sequence, greedy, with the length cap, yielding to completions", async () => {
        const generator = new ScriptedGenerator([" It adds."]);
        const session = new ExplainSession(generator, job());
        await session.start();
        const [request] = generator.requests;
        assert.equal(request.sequenceKey, EXPLAIN_SEQUENCE_KEY);
        assert.equal(request.prompt, job().prompt);
        assert.equal(request.maxTokens, 300);
        assert.equal(request.temperature, 0);
        assert.equal(request.priority, "background", "completions are served between explanation tokens");
        assert.ok(request.stopStrings?.includes("<|endoftext|>"));
    });

    it("samples with the job's temperature and seed (Explain Again), and sends no seed when greedy", async () => {
        const greedy = new ScriptedGenerator([" It adds."]);
        await new ExplainSession(greedy, job()).start();
        assert.equal(greedy.requests[0].seed, undefined);

        const sampled = new ScriptedGenerator([" It adds."]);
        await new ExplainSession(sampled, resampledJob(job(), undefined, () => 0.25)).start();
        assert.equal(sampled.requests[0].temperature, EXPLAIN_AGAIN_TEMPERATURE);
        assert.equal(sampled.requests[0].seed, 2 ** 30);
    });

    it("tells the listener how far the host got reading a long prompt, before the first words", async () => {
        const generator: TextGenerator = {
            async generate(options) {
                options.onPrefillProgress?.({ evaluatedTokens: 0, tokensToEvaluate: 128 });
                options.onPrefillProgress?.({ evaluatedTokens: 64, tokensToEvaluate: 128 });
                options.onText?.(" It adds.");
                return { text: " It adds.", stopReason: "eos", counters: COUNTERS };
            },
            prefill: () => Promise.reject(new Error("not used by explanations")),
        };
        const { events, listener } = record();
        const session = new ExplainSession(generator, job(), listener);
        await session.start();
        const reading = events.filter((event) => event.kind === "reading");
        assert.deepEqual(reading.map((event) => event.kind === "reading" && event.progress.evaluatedTokens), [0, 64]);
        assert.deepEqual(session.prefillProgress, { evaluatedTokens: 64, tokensToEvaluate: 128 });
        assert.equal(session.text, "It adds.");
    });

    it("streams clean chunks and ends done, stopping the host when a rule fires", async () => {
        const generator = new ScriptedGenerator([" The function", " adds a and b.", "\n\nExer", "cise 1: write", " more"]);
        const { events, listener } = record();
        const session = new ExplainSession(generator, job(), listener);
        await session.start();
        assert.deepEqual(events, [
            { kind: "status", status: "streaming" },
            { kind: "text", chunk: "The function", text: "The function" },
            { kind: "text", chunk: " adds a and b.", text: "The function adds a and b." },
            { kind: "status", status: "done" },
        ]);
        assert.equal(session.outcome?.stopReason, "stopRule");
        assert.equal(session.outcome?.stopRule, "newBlock");
        assert.equal(session.outcome?.counters, COUNTERS);
        assert.equal(generator.requests.length, 1);
    });

    it("flags an explanation ended by the length cap", async () => {
        const session = new ExplainSession(new ScriptedGenerator([" It adds a and"], { endReason: "maxTokens" }), job());
        await session.start();
        assert.equal(session.status, "done");
        assert.equal(session.outcome?.reachedLengthCap, true);
        assert.equal(session.text, "It adds a and");
    });

    it("stop() ends the stream, keeps the text so far and reports stopped", async () => {
        const generator = new ScriptedGenerator([" One.", " Two.", " Three.", " Four."], { pauseAfter: 2 });
        const session = new ExplainSession(generator, job());
        const done = session.start();
        await generator.paused;
        session.stop();
        await done;
        assert.equal(session.status, "stopped");
        assert.equal(session.text, "One. Two.");
        assert.equal(session.outcome?.stopReason, "cancelled");
    });

    it("stop() before start sends nothing", async () => {
        const generator = new ScriptedGenerator([" x"]);
        const session = new ExplainSession(generator, job());
        session.stop();
        await session.start();
        assert.equal(session.status, "stopped");
        assert.equal(generator.requests.length, 0);
    });

    it("a failure mid-stream ends in error with the partial text and the error kept", async () => {
        const { events, listener } = record();
        const session = new ExplainSession(new ScriptedGenerator([" Part one.", " Part two."], { failAfter: 1 }), job(), listener);
        await session.start();
        assert.equal(session.status, "error");
        assert.equal(session.text, "Part one.");
        assert.equal((session.error as { code?: string }).code, "HOST_EXITED");
        assert.deepEqual(events.at(-1), { kind: "status", status: "error" });
    });

    it("start() twice runs once", async () => {
        const generator = new ScriptedGenerator([" x"]);
        const session = new ExplainSession(generator, job());
        await Promise.all([session.start(), session.start()]);
        assert.equal(generator.requests.length, 1);
    });

    it("applies the rules to the final text when the stream delivered only part of it", async () => {
        const generator: TextGenerator = {
            generate: async () => ({ text: " Adds them.<|endoftext|>Spam", stopReason: "eos", counters: COUNTERS }),
            prefill: async () => ({ completed: true, counters: COUNTERS }),
        };
        const session = new ExplainSession(generator, job());
        await session.start();
        assert.equal(session.text, "Adds them.");
        assert.equal(session.outcome?.stopRule, "endOfText");
    });
});
