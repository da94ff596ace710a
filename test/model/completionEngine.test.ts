// The completion engine on the real model host (dist/modelHost.mjs, build first: `npm run build`;
// `npm run test:model` does) with the real tree-sitter syntax guard, driven like an editor: a
// Python buffer that is typed into, a request per pause, suggestions accepted. The assertions are
// on the host's exact counters (prompt tokens evaluated vs reused) and on which requests reached
// the model at all, never on times.
//
// One scripted tiny model serves every test: after `def add(a, b):\n` it replays `    return a + b\n`,
// elsewhere it ends at once (<|endoftext|>), so a request costs its prompt evaluation only.
import assert from "node:assert/strict";
import { CompletionEngine } from "../../src/core/completion/CompletionEngine";
import type { CompletionOutcome, CompletionTrigger } from "../../src/core/completion/CompletionEngine";
import { DEFAULT_COMPLETION_SETTINGS, withSettings } from "../../src/core/completion/CompletionSettings";
import type { CompletionSettings } from "../../src/core/completion/CompletionSettings";
import type { Timers } from "../../src/core/completion/scheduler";
import { createTextSnapshot } from "../../src/core/python/textSnapshot";
import { createTreeSitterSyntaxGuard } from "../../src/core/syntax/treeSitterSyntaxGuard";
import type { TreeSitterSyntaxGuard } from "../../src/core/syntax/treeSitterSyntaxGuard";
import type { GenerateOptions, PrefillOptions, PrefillResult, TextGenerator } from "../../src/core/textGenerator";
import type { DocumentSnapshot, GenerationCounters, GenerationResult, Position } from "../../src/core/types";
import type { ModelHostClient } from "../../src/hostClient/ModelHostClient";
import type { ModelInfo } from "../../src/protocol/modelHostProtocol";
import { locateTreeSitterWasmDirectory } from "../../src/cli/treeSitterWasm";
import { ensureScriptedModel, SCRIPTS } from "../support/tinyModels";
import { createClient, loadParams, pythonSource } from "./hostHarness";

/** Prompt tokens a request may evaluate once the sequence holds the prompt up to the last edit. */
const WARM_EVALUATED_MAX = 8;

/** The real model host behind the engine, counting what actually reaches it. */
class CountingGenerator implements TextGenerator {
    generateCalls = 0;
    prefillCalls = 0;

    constructor(private readonly inner: TextGenerator) {}

    generate(options: GenerateOptions): Promise<GenerationResult> {
        this.generateCalls++;
        return this.inner.generate(options);
    }

    /** The newest prefill's answer (the engine does not wait for its prefills while typing). */
    lastPrefill: Promise<PrefillResult> | undefined;

    prefill(options: PrefillOptions): Promise<PrefillResult> {
        this.prefillCalls++;
        this.lastPrefill = this.inner.prefill(options);
        return this.lastPrefill;
    }
}

/**
 * A Python buffer with a cursor, edited as in an editor: typing inserts at the cursor (Enter keeps
 * the line's indentation and indents after a `:`, as VS Code's Python auto-indent does).
 */
class EditorBuffer {
    private readonly lines: string[];
    private version = 1;
    cursor: Position;

    constructor(readonly uri: string, text: string, cursor?: Position) {
        this.lines = text.split("\n");
        const last = this.lines.length - 1;
        this.cursor = cursor ?? { line: last, character: (this.lines[last] ?? "").length };
    }

    get currentLine(): string {
        return this.lines[this.cursor.line] ?? "";
    }

    snapshot(): DocumentSnapshot {
        return createTextSnapshot(this.lines.join("\n"), { uri: this.uri, version: this.version });
    }

    /** Inserts text at the cursor (may hold newlines) and moves the cursor to its end. */
    insert(text: string): void {
        const line = this.currentLine;
        const before = line.slice(0, this.cursor.character);
        const after = line.slice(this.cursor.character);
        const pieces = (before + text).split("\n");
        const lastPiece = pieces[pieces.length - 1] ?? "";
        pieces[pieces.length - 1] = lastPiece + after;
        this.lines.splice(this.cursor.line, 1, ...pieces);
        this.cursor = { line: this.cursor.line + pieces.length - 1, character: lastPiece.length };
        this.version++;
    }

    /** Enter with auto-indentation. */
    enter(): void {
        const before = this.currentLine.slice(0, this.cursor.character);
        const indentation = /^[ \t]*/.exec(before)?.[0] ?? "";
        this.insert(`\n${indentation}${before.trimEnd().endsWith(":") ? "    " : ""}`);
    }

    backspace(): void {
        assert.ok(this.cursor.character > 0, "backspace at a line start is not simulated");
        const line = this.currentLine;
        this.lines[this.cursor.line] = line.slice(0, this.cursor.character - 1) + line.slice(this.cursor.character);
        this.cursor = { line: this.cursor.line, character: this.cursor.character - 1 };
        this.version++;
    }

    /** Accepts a suggestion: its text goes in at the cursor, the cursor moves to its end. */
    accept(outcome: CompletionOutcome): void {
        assert.ok(outcome.suggestion, `no suggestion to accept (${outcome.reason ?? "?"})`);
        this.insert(outcome.suggestion.insertText);
    }
}

/** Timers that fire on the next turn of the event loop: the debounce path runs, without real waits. */
const IMMEDIATE_TIMERS: Timers = {
    setTimeout: (callback) => setImmediate(callback),
    clearTimeout: (handle) => clearImmediate(handle as ReturnType<typeof setImmediate>),
};

function describeOutcome(outcome: CompletionOutcome): string {
    const { source, counters, prompt } = outcome.stats;
    return JSON.stringify({ suggestion: outcome.suggestion?.insertText, reason: outcome.reason, source, counters, prompt });
}

/** Counters of an outcome that reached the model (fails the test otherwise). */
function modelCounters(outcome: CompletionOutcome): GenerationCounters {
    assert.equal(outcome.stats.source, "model", `expected a model call: ${describeOutcome(outcome)}`);
    assert.ok(outcome.stats.counters, `a model outcome without counters: ${describeOutcome(outcome)}`);
    const counters = outcome.stats.counters;
    assert.equal(counters.reusedTokens + counters.evaluatedTokens, counters.promptTokens, `reused + evaluated = prompt: ${JSON.stringify(counters)}`);
    return counters;
}

function assertWarm(outcome: CompletionOutcome, what: string): GenerationCounters {
    const counters = modelCounters(outcome);
    assert.ok(counters.evaluatedTokens >= 1 && counters.evaluatedTokens <= WARM_EVALUATED_MAX,
        `${what}: evaluated ${counters.evaluatedTokens} prompt tokens (at most ${WARM_EVALUATED_MAX} expected): ${describeOutcome(outcome)}`);
    return counters;
}

/**
 * The first request at a place evaluates the whole prompt: all of it on a sequence never used, or
 * all but the few leading tokens it shares with the document that held a handed-over sequence.
 */
function assertCold(outcome: CompletionOutcome, what: string, fresh = false): GenerationCounters {
    const counters = modelCounters(outcome);
    if (fresh) assert.equal(counters.reusedTokens, 0, `${what}: nothing to reuse on a fresh sequence: ${describeOutcome(outcome)}`);
    assert.ok(counters.evaluatedTokens >= counters.promptTokens * 0.9, `${what}: the prompt is evaluated: ${describeOutcome(outcome)}`);
    return counters;
}

/** A body of Python typed line by line: 40 lines, nested blocks, no `add(`, which would wake the script. */
function typedFunctionLines(count: number): string[] {
    const lines = ["def summarize(records, threshold=3):", "totals = {}"];
    for (let index = 0; lines.length < count; index++) {
        lines.push(
            `for record in records[${index}]:`,
            `if record.weight > threshold * ${index + 2}:`,
            `totals[record.name] = record.weight - ${index}`,
            "continue",
        );
    }
    return lines.slice(0, count);
}

/** A line cut where a typist pauses: after a space or punctuation, and every 6 characters of a long word. */
function typingPauses(line: string): string[] {
    return line.split(/(?<=[ (),.=:[\]])/).flatMap((piece) => piece.match(/.{1,6}/g) ?? []);
}

/**
 * Levels to dedent (backspace) after Enter before typed line `index`: the levels run def 0,
 * totals 1, for 1, if 2, totals 3, continue 3, for 1, ... and auto-indent gives the rest.
 */
function dedentsBefore(index: number): number {
    return index > 2 && (index - 2) % 4 === 0 ? 2 : 0;
}

describe("completion engine on the model host (scripted tiny model, tree-sitter guard)", function () {
    this.timeout(120_000);
    let host: ModelHostClient;
    let info: ModelInfo;
    let guard: TreeSitterSyntaxGuard;
    let settings: CompletionSettings;
    let clock = 0;

    before(async () => {
        const modelPath = await ensureScriptedModel(SCRIPTS.add);
        ({ client: host } = createClient());
        // Three sequences: each test uses at most two documents at a time (the LRU hands older ones over).
        info = await host.load(loadParams(modelPath, { sequences: 3, prefillChunkTokens: 128 }));
        guard = await createTreeSitterSyntaxGuard({ wasmDirectory: locateTreeSitterWasmDirectory() });
        // Whole results only: these timers fire at once, which would show every first token as a part.
        // No prefill while typing, except where a test turns it on: the other tests count what each request evaluates itself.
        settings = withSettings(DEFAULT_COMPLETION_SETTINGS, { contextTokens: info.contextSize, latencyBudgetMs: 0, prefillWhileTyping: false });
    });

    after(() => {
        host?.dispose();
        guard?.dispose();
    });

    function createEngine(overrides: Partial<Omit<CompletionSettings, "debounce">> = {}): { engine: CompletionEngine; generator: CountingGenerator } {
        const generator = new CountingGenerator(host);
        const engine = new CompletionEngine(generator, {
            settings: withSettings(settings, overrides),
            syntaxGuard: guard,
            now: () => clock,
            timers: IMMEDIATE_TIMERS,
        });
        return { engine, generator };
    }

    /** A request as the editor makes it after a keystroke (automatic: the debounce path runs). */
    function request(engine: CompletionEngine, buffer: EditorBuffer, trigger: CompletionTrigger = "automatic"): Promise<CompletionOutcome> {
        clock += 300; // a pause between keystrokes: a request fires
        return engine.complete({ document: buffer.snapshot(), position: buffer.cursor, signal: new AbortController().signal, trigger });
    }

    it("gives the scripted body exactly after `def add(a, b):` + Enter (auto-indented)", async () => {
        const { engine } = createEngine();
        const buffer = new EditorBuffer("file:///work/add.py", "def add(a, b):");
        buffer.enter();
        assert.equal(buffer.currentLine, "    ");
        const outcome = await request(engine, buffer);
        assert.equal(outcome.suggestion?.insertText, "return a + b", describeOutcome(outcome));
        assert.deepEqual(outcome.suggestion?.range, { start: { line: 1, character: 4 }, end: { line: 1, character: 4 } });
        assert.equal(outcome.stats.mode, "multiLine");
        assert.equal(outcome.stats.modeBecause, "opensBlock");
        assert.equal(outcome.stats.stopReason, "eos");
        assert.equal(outcome.stats.syntaxGuard?.action, "kept");
        assert.equal(outcome.stats.rawText, "    return a + b\n", "the model wrote the indentation itself (left out of the prompt)");
        const counters = assertCold(outcome, "a new document", true);
        assert.ok(counters.generatedTokens >= 5, JSON.stringify(counters));
    });

    it("evaluates the whole prompt once, then only the typed tokens per keystroke", async () => {
        const { engine, generator } = createEngine();
        const module = pythonSource(500, 31);
        const buffer = new EditorBuffer("file:///work/append.py", `${module}def main(argv):\n    total = compute_31(argv, limit=4)\n    if total`);
        const first = await request(engine, buffer);
        const cold = assertCold(first, "first request here");
        assert.ok(cold.promptTokens >= 400, `a ~500-token prompt: ${JSON.stringify(cold)}`);

        const perKeystroke: number[] = [];
        for (const character of " > limit_value") {
            buffer.insert(character);
            const outcome = await request(engine, buffer);
            const counters = assertWarm(outcome, `after typing ${JSON.stringify(buffer.currentLine)}`);
            assert.ok(counters.reusedTokens >= cold.promptTokens - 2, `the earlier prompt stays reused: ${JSON.stringify(counters)}`);
            perKeystroke.push(counters.evaluatedTokens);
        }
        assert.equal(generator.generateCalls, 1 + perKeystroke.length);
        console.log(`      first: ${cold.evaluatedTokens} evaluated; per keystroke: ${perKeystroke.join(" ")}`);
    });

    it("serves typed-ahead characters and backspace + retype with no model call", async () => {
        const { engine, generator } = createEngine();
        const buffer = new EditorBuffer("file:///work/typed.py", `${pythonSource(200, 41)}def add(a, b):`);
        buffer.enter();
        const shown = await request(engine, buffer);
        assert.equal(shown.suggestion?.insertText, "return a + b", describeOutcome(shown));
        engine.notifyShown(shown);
        const calls = generator.generateCalls;

        const steps: [edit: () => void, source: string, rest: string][] = [
            [() => buffer.insert("r"), "typedAhead", "eturn a + b"],
            [() => buffer.insert("e"), "typedAhead", "turn a + b"],
            [() => buffer.insert("t"), "typedAhead", "urn a + b"],
            [() => buffer.backspace(), "typedAhead", "turn a + b"],
            [() => buffer.backspace(), "typedAhead", "eturn a + b"],
            [() => buffer.backspace(), "cache", "return a + b"],
            [() => buffer.insert("r"), "typedAhead", "eturn a + b"],
        ];
        for (const [edit, source, rest] of steps) {
            edit();
            const outcome = await request(engine, buffer);
            const label = JSON.stringify(buffer.currentLine);
            assert.equal(outcome.stats.source, source, `${label}: ${describeOutcome(outcome)}`);
            assert.equal(outcome.suggestion?.insertText, rest, `${label}: ${describeOutcome(outcome)}`);
            assert.equal(outcome.stats.counters, undefined, `${label}: no model counters for a cached answer`);
            assert.equal(generator.generateCalls, calls, `${label}: the model was not asked`);
        }
        assert.equal(engine.totals.typedAheadHits, 6);
        assert.equal(engine.totals.cacheHits, 1);

        // A character that leaves the suggestion needs the model again, and reuses the sequence.
        buffer.insert("x");
        const diverged = await request(engine, buffer);
        assert.equal(generator.generateCalls, calls + 1);
        assertWarm(diverged, "a character off the suggestion");
    });

    it("lets a keystroke that follows the suggestion being generated attach to that generation", async () => {
        const { engine, generator } = createEngine();
        const buffer = new EditorBuffer("file:///work/inflight.py", `${pythonSource(200, 45)}def add(a, b):`);
        buffer.enter();
        const firstRequest = new AbortController();
        clock += 300;
        const first = engine.complete({ document: buffer.snapshot(), position: buffer.cursor, signal: firstRequest.signal, trigger: "automatic" });
        // Past its debounce, the request has asked the model; the next keystroke comes before the
        // answer and the editor cancels the first request.
        while (generator.generateCalls === 0) await new Promise((resolve) => setImmediate(resolve));
        buffer.insert("r");
        firstRequest.abort();
        const second = await request(engine, buffer);
        assert.equal((await first).reason, "cancelled");
        assert.equal(generator.generateCalls, 1, "one generation served both keystrokes");
        assert.equal(second.stats.source, "typedAhead", describeOutcome(second));
        assert.equal(second.suggestion?.insertText, "eturn a + b", describeOutcome(second));
        assert.ok((second.stats.counters?.generatedTokens ?? 0) >= 5, `the generation ran to its end: ${describeOutcome(second)}`);
        assert.equal(second.stats.stopReason, "eos");
    });

    it("prefills a document in the background so the first request there is warm", async () => {
        const { engine, generator } = createEngine();
        const buffer = new EditorBuffer("file:///work/opened.py", `${pythonSource(400, 55)}def report(rows):\n    width = max(len(row) for row in rows)\n    `);
        const signal = new AbortController().signal;
        const prefilled = await engine.prefill(buffer.snapshot(), buffer.cursor, signal);
        assert.ok(prefilled?.completed, JSON.stringify(prefilled));
        assert.ok(prefilled.counters.evaluatedTokens >= prefilled.counters.promptTokens * 0.9, JSON.stringify(prefilled.counters));
        assert.equal(await engine.prefill(buffer.snapshot(), buffer.cursor, signal), undefined, "the same prompt is not prefilled twice");
        assert.equal(generator.prefillCalls, 1);

        const first = assertWarm(await request(engine, buffer), "first request after the prefill");
        assert.ok(first.reusedTokens >= prefilled.counters.promptTokens - 1, JSON.stringify(first));
    });

    /** A keystroke's request in a ~400-token file, cancelled by the next keystroke before its debounce is over. */
    async function typeAndCancel(engine: CompletionEngine, uri: string, seed: number): Promise<EditorBuffer> {
        const buffer = new EditorBuffer(uri, `${pythonSource(400, seed)}def scale(rows, factor):\n    out = [row * fac`);
        const keystroke = new AbortController();
        clock += 300;
        const typed = engine.complete({ document: buffer.snapshot(), position: buffer.cursor, signal: keystroke.signal, trigger: "automatic" });
        keystroke.abort();
        assert.equal((await typed).reason, "cancelled");
        return buffer;
    }

    it("reads a typed prompt in the background while the debounce waits: the request after the next keystroke evaluates only that keystroke", async () => {
        const { engine, generator } = createEngine({ prefillWhileTyping: true });
        const buffer = await typeAndCancel(engine, "file:///work/typing.py", 357);
        assert.equal(generator.generateCalls, 0);
        const read = await generator.lastPrefill;
        assert.ok(read?.completed, `the prefill goes on after its request was cancelled: ${JSON.stringify(read)}`);
        assert.ok(read.counters.evaluatedTokens >= read.counters.promptTokens * 0.9, JSON.stringify(read.counters));

        buffer.insert("t");
        const next = assertWarm(await request(engine, buffer), "the request after the keystroke");
        assert.ok(next.reusedTokens >= read.counters.promptTokens - 2, JSON.stringify(next));
    });

    it("first look: a cold place is answered from a short window on a sequence of its own; the whole window, read meanwhile, takes over", async () => {
        const { engine, generator } = createEngine({ prefillWhileTyping: true, firstLookTokens: 64 });
        const buffer = new EditorBuffer("file:///work/first-look.py", `${pythonSource(600, 61)}def add(a, b):\n    `);
        const look = await request(engine, buffer);
        assert.equal(look.suggestion?.insertText, "return a + b", describeOutcome(look));
        const short = look.stats.counters!; // (its sequence may start with another file's header lines)
        assert.ok(short.promptTokens <= 96, `a short window: ${describeOutcome(look)}`);
        const read = await generator.lastPrefill;
        assert.ok(read?.completed, `the whole window was read in the background: ${JSON.stringify(read)}`);
        assert.ok(read.counters.promptTokens >= 4 * short.promptTokens, JSON.stringify(read.counters));
        assert.ok(read.counters.evaluatedTokens >= read.counters.promptTokens * 0.9, JSON.stringify(read.counters));

        buffer.insert("r");
        const whole = assertWarm(await request(engine, buffer), "the next keystroke, on the whole window");
        assert.ok(whole.promptTokens >= read.counters.promptTokens, JSON.stringify(whole));
    });

    it("without prefill while typing the prompt is read only once a generation starts", async () => {
        const { engine, generator } = createEngine({ prefillWhileTyping: false });
        const buffer = await typeAndCancel(engine, "file:///work/typing-off.py", 459);
        assert.equal(generator.prefillCalls, 0);
        buffer.insert("t");
        assertCold(await request(engine, buffer), "the request after the keystroke");
    });

    it("keeps one sequence per document: switching A -> B -> A re-evaluates only the edit", async () => {
        const { engine } = createEngine();
        const a = new EditorBuffer("file:///work/a.py", `${pythonSource(400, 51)}def first(items):\n    return [item for item in items if item`);
        const b = new EditorBuffer("file:///work/b.py", `import json\n\n${pythonSource(400, 52)}class Loader:\n    def load(self, path):\n        data = json`);
        const coldA = assertCold(await request(engine, a), "document A");
        const coldB = assertCold(await request(engine, b), "document B");

        a.insert(" ");
        const backToA = assertWarm(await request(engine, a), "back in A");
        assert.ok(backToA.reusedTokens >= coldA.promptTokens - 2, JSON.stringify(backToA));
        b.insert(".");
        const backToB = assertWarm(await request(engine, b), "back in B");
        assert.ok(backToB.reusedTokens >= coldB.promptTokens - 2, JSON.stringify(backToB));
        a.insert("is");
        assertWarm(await request(engine, a), "A again");
        console.log(`      A ${coldA.promptTokens} tokens, B ${coldB.promptTokens}; back to A evaluated ${backToA.evaluatedTokens}, back to B ${backToB.evaluatedTokens}`);
    });

    it("reuses the prompt after an accepted suggestion (the generated tokens are already in the sequence)", async () => {
        const { engine, generator } = createEngine();
        const buffer = new EditorBuffer("file:///work/accept.py", `${pythonSource(400, 61)}def add(a, b):`);
        buffer.enter();
        const shown = await request(engine, buffer);
        const cold = assertCold(shown, "before accepting");
        assert.equal(shown.suggestion?.insertText, "return a + b");
        engine.notifyShown(shown);
        buffer.accept(shown);
        engine.notifyAccepted(shown);
        assert.equal(buffer.currentLine, "    return a + b");
        assert.deepEqual(buffer.cursor, { line: buffer.snapshot().lineCount - 1, character: 16 });

        // At the end of the accepted text the scripted model has only "\n" left: no suggestion,
        // but a model request that finds the whole prompt (earlier prompt + suggestion) cached.
        const atEnd = await request(engine, buffer);
        const afterAccept = assertWarm(atEnd, "at the end of the accepted suggestion");
        assert.ok(afterAccept.reusedTokens >= cold.promptTokens, `the earlier prompt and some of the suggestion are reused: ${JSON.stringify(afterAccept)}`);

        buffer.enter();
        buffer.insert("return");
        const nextLine = await request(engine, buffer);
        assertWarm(nextLine, "typing on the next line");
        assert.equal(generator.generateCalls, 3);
        assert.equal(engine.totals.accepted, 1);
        console.log(`      before: ${cold.promptTokens} evaluated; after accepting: ${afterAccept.evaluatedTokens} evaluated, ${afterAccept.reusedTokens} reused`);
    });

    it("moves the window start in coarse steps while 40 lines are typed into a long file", async () => {
        const stepLines = 16;
        const { engine, generator } = createEngine({ maxPromptTokens: 512, windowStepLines: stepLines });
        const module = pythonSource(2500, 71).split("\n");
        // A blank line between two functions, in the middle of the file.
        const insertAt = module.indexOf("", Math.floor(module.length / 2));
        const buffer = new EditorBuffer("file:///work/long.py", module.join("\n"), { line: insertAt, character: 0 });
        const headerText = "import os\nimport sys\nfrom . import helpers";
        const headerTokens = await host.countTokens(headerText);

        interface Sample { readonly windowStartLine: number; readonly headerLines: number; readonly counters?: GenerationCounters }
        const samples: Sample[] = [];
        const typed = typedFunctionLines(40);
        const sample = async (): Promise<void> => {
            const outcome = await request(engine, buffer);
            // A pause can also be served from a suggestion the typed text follows (`, ` wakes the
            // script's `(a, b)`): no model call, no counters.
            const counters = outcome.stats.source === "model" ? modelCounters(outcome) : undefined;
            samples.push({ windowStartLine: outcome.stats.prompt.windowStartLine, headerLines: outcome.stats.prompt.headerLines, counters });
        };
        for (const [index, line] of typed.entries()) {
            if (index > 0) {
                buffer.enter();
                for (let level = 0; level < dedentsBefore(index); level++) {
                    for (let space = 0; space < 4; space++) buffer.backspace();
                }
            }
            // A request at each pause: after every word or punctuation mark, at most 6 characters apart.
            for (const piece of typingPauses(line)) {
                buffer.insert(piece);
                await sample();
            }
        }
        const document = buffer.snapshot();
        const typedBlock = Array.from({ length: typed.length }, (_, index) => document.lineAt(insertAt + index));
        assert.deepEqual(typedBlock.map((text) => text.trim()), typed);
        assert.equal(guard.parseErrors(typedBlock.join("\n")), 0, `the typed function is valid Python:\n${typedBlock.join("\n")}`);
        const modelSamples = samples.filter((entry) => entry.counters !== undefined);
        assert.equal(generator.generateCalls, modelSamples.length);
        assert.ok(modelSamples.length >= samples.length * 0.9, `${modelSamples.length} of ${samples.length} pauses reached the model`);

        const starts = samples.map((entry) => entry.windowStartLine);
        assert.ok(starts.every((start) => start % stepLines === 0), `window starts on the step grid: ${[...new Set(starts)].join(", ")}`);
        assert.ok(samples.every((entry) => entry.headerLines === 3), "the file header (3 import lines) stays in front of the window");
        let moves = 0;
        for (let index = 1; index < samples.length; index++) {
            const step = (samples[index]?.windowStartLine ?? 0) - (samples[index - 1]?.windowStartLine ?? 0);
            assert.ok(step === 0 || step === stepLines, `the window moves down one step at a time: ${starts.join(" ")}`);
            if (step !== 0) moves++;
        }
        // 40 lines over 16-line steps: two or three moves, not one per line or per keystroke.
        assert.ok(moves >= 2 && moves <= 3, `${moves} window moves over ${samples.length} requests`);

        // The model's sequence holds the previous model request's prompt: compare with that one.
        let stepEvaluated = 0;
        let evaluated = 0;
        let baseline = 0;
        for (let index = 1; index < modelSamples.length; index++) {
            const previous = modelSamples[index - 1];
            const current = modelSamples[index];
            const counters = current?.counters;
            if (!previous || !current || !counters) continue;
            evaluated += counters.evaluatedTokens;
            baseline += counters.promptTokens;
            if (current.windowStartLine !== previous.windowStartLine) {
                assert.ok(counters.reusedTokens >= headerTokens - 1, `the header stays cached across a step: ${JSON.stringify(counters)}`);
                // The host erases the dropped lines and shifts the kept body (windowShift.ts) instead of evaluating it again.
                assert.ok(counters.reusedTokens >= counters.promptTokens - WARM_EVALUATED_MAX, `a step keeps the body cached: ${JSON.stringify(counters)}`);
                assert.ok(counters.evaluatedTokens <= WARM_EVALUATED_MAX, `a step evaluates only the new end: ${JSON.stringify(counters)}`);
                stepEvaluated += counters.evaluatedTokens;
            } else {
                assert.ok(counters.evaluatedTokens <= WARM_EVALUATED_MAX, `model request ${index} without a step evaluated ${JSON.stringify(counters)}`);
            }
        }
        console.log(`      ${samples.length} pauses, ${modelSamples.length} model requests, ${moves} window moves (${stepEvaluated} tokens); evaluated/baseline ${(evaluated / baseline).toFixed(3)}`);
        assert.ok(evaluated / baseline <= 0.1, `evaluated ${evaluated} of ${baseline} prompt tokens`);
    });

    it("follows the host when documents 4 and 5 take the sequences of 1 and 2 (5 documents, 3 sequences)", async () => {
        // Timers that record each debounce: the warm or the cold one says what the engine thinks is cached.
        const delays: number[] = [];
        const recordingTimers: Timers = {
            setTimeout: (callback, ms) => {
                delays.push(ms);
                return setImmediate(callback);
            },
            clearTimeout: (handle) => clearImmediate(handle as ReturnType<typeof setImmediate>),
        };
        const { warmMs, coldMs } = settings.debounce;
        const engine = new CompletionEngine(new CountingGenerator(host), { settings, syntaxGuard: guard, now: () => clock, timers: recordingTimers });
        const documents = [1, 2, 3, 4, 5].map((n) => new EditorBuffer(`file:///work/sequence${n}.py`, `${pythonSource(150, 90 + n)}def handle_${n}(event):\n    value = event`));
        const [one, two, three] = documents as [EditorBuffer, EditorBuffer, EditorBuffer];
        for (const [index, document] of documents.entries()) assertCold(await request(engine, document), `document ${index + 1}`);
        assert.equal(engine.stateSizes.documentsWithPrompt, 3, "only documents 3, 4 and 5 still have their prompt cached");
        const signal = new AbortController().signal;

        assert.equal(await engine.prefill(three.snapshot(), three.cursor, signal), undefined, "document 3 kept its sequence: no prefill");
        three.insert(".");
        delays.length = 0;
        assertWarm(await request(engine, three), "document 3");
        assert.equal(delays[0], warmMs, "document 3 is a warm read");

        const prefilled = await engine.prefill(one.snapshot(), one.cursor, signal);
        assert.ok(prefilled?.completed, `document 1 lost its sequence to document 4: it is prefilled again (${JSON.stringify(prefilled)})`);
        assert.ok(prefilled.counters.evaluatedTokens >= prefilled.counters.promptTokens * 0.9, JSON.stringify(prefilled.counters));

        two.insert(".");
        delays.length = 0;
        assertCold(await request(engine, two), "document 2 after losing its sequence to document 5");
        assert.equal(delays[0], coldMs, "document 2 is a cold read");
        assert.equal(engine.stateSizes.documentsWithPrompt, 3, "documents 4 and 5 lost their sequences to 1 and 2");
    });
});
