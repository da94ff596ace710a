import * as assert from "node:assert/strict";
import { CompletionEngine, firstLookKey } from "../../../src/core/completion/CompletionEngine";
import type { CompletionOutcome, CompletionTrigger } from "../../../src/core/completion/CompletionEngine";
import { DEFAULT_COMPLETION_SETTINGS, withSettings } from "../../../src/core/completion/CompletionSettings";
import { createTextSnapshot } from "../../../src/core/python/textSnapshot";
import { createTreeSitterSyntaxGuard } from "../../../src/core/syntax/treeSitterSyntaxGuard";
import { locateTreeSitterWasmDirectory } from "../../../src/cli/treeSitterWasm";
import type { DocumentSnapshot, Position } from "../../../src/core/types";
import { FakeTextGenerator, LiveTextGenerator, settle } from "./fakeTextGenerator";
import { VirtualClock } from "../../../src/core/VirtualClock";

const settings = withSettings(DEFAULT_COMPLETION_SETTINGS, { debounce: { warmMs: 0, coldMs: 0 }, abandonGraceMs: 100 });

/** A document and the cursor at its `|` marker. */
function at(source: string, uri = "file:///work/a.py"): { document: DocumentSnapshot; position: Position } {
    const lines = source.split("\n");
    const line = lines.findIndex((text) => text.includes("|"));
    const character = lines[line]!.indexOf("|");
    lines[line] = lines[line]!.replace("|", "");
    return { document: createTextSnapshot(lines.join(source.includes("\r\n") ? "" : "\n"), { uri }), position: { line, character } };
}

function request(place: { document: DocumentSnapshot; position: Position }, trigger: CompletionTrigger = "explicit", signal = new AbortController().signal) {
    return { ...place, signal, trigger };
}

function engineWith(generator: FakeTextGenerator, extra: Partial<ConstructorParameters<typeof CompletionEngine>[1]> = {}): CompletionEngine {
    return new CompletionEngine(generator, { settings, ...extra });
}

const ADD = "def add(a, b):\n    |";

describe("CompletionEngine", () => {
    it("completes a block with the model and stops at the dedent", async () => {
        const generator = new FakeTextGenerator(() => ["    return", " a + b", "\n", "\nprint(add(1, 2))", "\n"]);
        const engine = engineWith(generator);
        const outcome = await engine.complete(request(at(ADD)));
        assert.equal(outcome.suggestion?.insertText, "return a + b");
        assert.deepEqual(outcome.suggestion?.range, { start: { line: 1, character: 4 }, end: { line: 1, character: 4 } });
        assert.equal(outcome.stats.source, "model");
        assert.equal(outcome.stats.mode, "multiLine");
        assert.equal(outcome.stats.stopReason, "stopRule");
        assert.deepEqual(outcome.stats.cuts.map((cut) => cut.rule), ["stop:dedent", "trailingWhitespace"]);
        assert.equal(generator.calls.length, 1);
        const call = generator.calls[0]!;
        assert.equal(call.sequenceKey, "file:///work/a.py");
        assert.equal(call.prompt, "def add(a, b):\n", "the indentation before the cursor is left to the model");
        assert.equal(call.maxTokens, settings.maxTokens);
        assert.equal(call.timeCapMs, settings.timeCapMs);
        assert.equal(call.priority, "foreground");
        assert.deepEqual(call.stopStrings, ["<|endoftext|>"]);
        assert.equal(outcome.stats.counters?.generatedTokens, 5); // the dedented line had to end before the rule could judge it
    });

    it("completes inside a line with the single-line cap and without duplicating the closer", async () => {
        const generator = new FakeTextGenerator(() => ["1, 2)", "\nprint(x)"]);
        const outcome = await engineWith(generator).complete(request(at("x = compute(|)")));
        assert.equal(outcome.suggestion?.insertText, "1, 2");
        assert.equal(outcome.stats.mode, "singleLine");
        assert.equal(generator.calls[0]!.maxTokens, settings.singleLineMaxTokens);
        assert.ok(outcome.stats.cuts.some((cut) => cut.rule === "duplicateClosers" && cut.removed === ")"));
    });

    it("does not repeat the editor's closing bracket after `def __init__(self,`", async () => {
        const generator = new FakeTextGenerator(() => [" h):", "\n        self.h = h"]);
        const outcome = await engineWith(generator).complete(request(at("class A:\n    def __init__(self,|)\n        pass\n")));
        assert.equal(outcome.suggestion?.insertText, " h");
        assert.deepEqual(outcome.stats.cuts.filter((cut) => cut.rule === "duplicateClosers"), [{ rule: "duplicateClosers", removed: "):" }]);
    });

    it("serves typed-ahead characters and backspace-retype from the cache without a model call", async () => {
        const generator = new FakeTextGenerator(() => ["    return a + b"]);
        const engine = engineWith(generator);
        await engine.complete(request(at(ADD)));
        const typed = await engine.complete(request(at("def add(a, b):\n    ret|")));
        assert.equal(typed.suggestion?.insertText, "urn a + b");
        assert.equal(typed.stats.source, "typedAhead");
        const retyped = await engine.complete(request(at(ADD)));
        assert.equal(retyped.suggestion?.insertText, "return a + b");
        assert.equal(retyped.stats.source, "cache");
        assert.equal(generator.calls.length, 1);
        assert.equal(engine.totals.typedAheadHits, 1);
        assert.equal(engine.totals.cacheHits, 1);
    });

    it("keeps serving a suggestion across Enter and the editor's auto-indentation", async () => {
        const generator = new FakeTextGenerator(() => ["\n    return a + b"]);
        const engine = engineWith(generator);
        const first = await engine.complete(request(at("def add(a, b):|")));
        assert.equal(first.suggestion?.insertText, "\n    return a + b");
        const afterEnter = await engine.complete(request(at("def add(a, b):\n    |")));
        assert.equal(afterEnter.suggestion?.insertText, "return a + b");
        assert.equal(afterEnter.stats.source, "typedAhead");
        assert.equal(generator.calls.length, 1);
    });

    it("at the end of a block header stops where the model leaves the new block", async () => {
        const generator = new FakeTextGenerator(() => ["\n        return 1\n", "    else:\n", "        return 2\n"]);
        const outcome = await engineWith(generator).complete(request(at("def f(x):\n    if x:|")));
        assert.equal(outcome.suggestion?.insertText, "\n        return 1");
        assert.ok(outcome.stats.cuts.some((cut) => cut.rule === "stop:dedent"));
    });

    it("asks the model again when the typed text leaves the suggestion", async () => {
        const generator = new FakeTextGenerator((options) => (options.prompt.endsWith("x") ? [" = 1"] : ["    return a + b"]));
        const engine = engineWith(generator);
        await engine.complete(request(at(ADD)));
        const outcome = await engine.complete(request(at("def add(a, b):\n    x|")));
        assert.equal(outcome.suggestion?.insertText, " = 1");
        assert.equal(generator.calls.length, 2);
    });

    it("reuses a generation still running when the user types what it generates", async () => {
        const generator = new FakeTextGenerator(() => ["    ret", "urn a", " + b"]);
        generator.hold();
        const engine = engineWith(generator);
        const first = new AbortController();
        const firstOutcome = engine.complete(request(at(ADD), "automatic", first.signal));
        await settle();
        first.abort(); // the editor cancels on the next keystroke...
        const second = engine.complete(request(at("def add(a, b):\n    re|"), "automatic")); // ...which matches
        await settle();
        generator.release();
        assert.equal((await firstOutcome).reason, "cancelled");
        const outcome = await second;
        assert.equal(outcome.suggestion?.insertText, "turn a + b");
        assert.equal(outcome.stats.source, "typedAhead");
        assert.equal(generator.calls.length, 1);
        assert.equal(generator.calls[0]!.signal?.aborted, false);
    });

    it("shows a slow block's first line first, keeps generating, and has the longer version in the cache after", async () => {
        const timers = new VirtualClock();
        const generator = new FakeTextGenerator(() => ["    return a + b\n", "    # done\n", "    pass"]);
        generator.hold();
        const engine = engineWith(generator, { timers });
        let resolved = false;
        const pending = engine.complete(request(at(ADD))).then((outcome) => {
            resolved = true;
            return outcome;
        });
        await settle();
        assert.equal(resolved, false, "a fast block comes whole: the first line waits a moment");
        timers.advance(500);
        const first = await pending;
        assert.equal(first.suggestion?.insertText, "return a + b");
        assert.ok(first.continuation, "the generation goes on");
        assert.equal(generator.calls[0]!.signal?.aborted, false);
        timers.advance(settings.abandonGraceMs * 10);
        assert.equal(generator.calls[0]!.signal?.aborted, false, "a flight that showed a part is not abandoned");
        generator.release();
        const end = await first.continuation.ended;
        assert.equal(end.longer, true);
        assert.equal(end.counters.generatedTokens, 3);
        const longer = await engine.complete(request(at(ADD)));
        assert.equal(longer.stats.source, "cache");
        assert.equal(longer.suggestion?.insertText, "return a + b\n    # done\n    pass");
        assert.equal(generator.calls.length, 1);
    });

    it("shows what there is once the latency budget is spent; typing into it continues into the rest", async () => {
        const timers = new VirtualClock();
        const generator = new FakeTextGenerator(() => ["a", " + b", "\n"]);
        generator.hold();
        const engine = engineWith(generator, { timers });
        const pending = engine.complete(request(at("total = |"), "automatic"));
        await settle();
        timers.advance(settings.latencyBudgetMs - 1);
        await settle();
        timers.advance(1);
        const part = await pending;
        assert.equal(part.suggestion?.insertText, "a");
        const typedInto = engine.complete(request(at("total = a|"), "automatic"));
        await settle();
        generator.release();
        const rest = await typedInto;
        assert.equal(rest.suggestion?.insertText, " + b");
        assert.equal(rest.stats.source, "typedAhead");
        assert.equal(generator.calls.length, 1);
    });

    it("tells when a part's line is complete while the generation goes on; asking again then shows the whole line from it", async () => {
        const timers = new VirtualClock();
        const generator = new LiveTextGenerator();
        const engine = new CompletionEngine(generator, { settings, timers });
        const pending = engine.complete(request(at(ADD), "automatic"));
        await settle();
        generator.write(0, "    return");
        timers.advance(settings.latencyBudgetMs);
        const part = await pending;
        assert.equal(part.suggestion?.insertText, "return");
        const lineCompleted = part.continuation?.lineCompleted;
        assert.ok(lineCompleted, "the part is a start of its line");
        let completed = false;
        void lineCompleted.then(() => (completed = true));
        generator.write(0, " a + b");
        await settle();
        assert.equal(completed, false, "the line is not complete yet");
        generator.write(0, "\n");
        await settle();
        assert.equal(completed, true, "the line is complete, the generation still runs");
        assert.equal(generator.calls[0]!.signal?.aborted, false);
        const whole = await engine.complete(request(at(ADD), "automatic"));
        assert.equal(whole.suggestion?.insertText, "return a + b");
        assert.equal(whole.stats.source, "model");
        assert.ok(whole.continuation, "the generation goes on");
        assert.equal(whole.continuation.lineCompleted, undefined, "a whole line: the next ask is for the longer version, at the end");
        assert.equal(generator.calls.length, 1);
        generator.write(0, "    pass");
        generator.end(0);
        assert.equal((await whole.continuation.ended).longer, true);
    });

    for (const from of ["request", "modelCall"] as const) {
        it(`starts the latency budget at the ${from === "request" ? "request: the debounce is part of the wait" : "model call with latencyBudgetFrom modelCall"}`, async () => {
            const timers = new VirtualClock();
            const generator = new FakeTextGenerator(() => ["a", " + b", "\n"]);
            generator.hold();
            const debounced = withSettings(settings, { debounce: { warmMs: 300, coldMs: 300 }, latencyBudgetFrom: from, prefillWhileTyping: false });
            const engine = new CompletionEngine(generator, { settings: debounced, timers, now: timers.now });
            let shownAt: number | undefined;
            const pending = engine.complete(request(at("total = |"), "automatic")).then((outcome) => {
                shownAt = timers.now();
                return outcome;
            });
            for (let step = 0; step < 2000 && shownAt === undefined; step += 50) {
                await settle();
                timers.advance(50);
            }
            await settle();
            const part = await pending;
            assert.equal(part.suggestion?.insertText, "a");
            assert.equal(shownAt, from === "request" ? settings.latencyBudgetMs : settings.latencyBudgetMs + 300);
            generator.release();
        });
    }

    /** A generation for "total = " that has written "b", its request cancelled by the next keystroke (it runs on for its grace period). */
    async function flightThatWroteB(): Promise<{ generator: LiveTextGenerator; engine: CompletionEngine }> {
        const generator = new LiveTextGenerator();
        const engine = new CompletionEngine(generator, { settings: withSettings(settings, { latencyBudgetMs: 0 }) });
        const older = new AbortController();
        void engine.complete(request(at("total = |"), "explicit", older.signal));
        await settle();
        generator.write(0, "b");
        older.abort();
        return { generator, engine };
    }

    it("leaves a running generation as soon as it writes something else than was typed, and starts its own at once", async () => {
        const { generator, engine } = await flightThatWroteB();
        const pending = engine.complete(request(at("total = b + d|")));
        await settle();
        assert.equal(generator.calls.length, 1, "typed text that agrees with it so far: it may still write it");
        generator.write(0, " + c");
        await settle();
        assert.equal(generator.calls.length, 2, "it wrote ' + c' where ' + d' was typed: a generation of its own, without waiting for the end of that one");
        assert.equal(generator.calls[0]!.signal?.aborted, true, "the one that can no longer serve anybody is stopped");
        assert.equal(generator.calls[1]!.prompt, "total = b + d");
        generator.write(1, " * 2");
        generator.end(1);
        const outcome = await pending;
        assert.equal(outcome.suggestion?.insertText, " * 2");
        assert.equal(outcome.stats.source, "model");
    });

    it("keeps a request that typed into a running generation while it writes what was typed", async () => {
        const { generator, engine } = await flightThatWroteB();
        const pending = engine.complete(request(at("total = b + |")));
        await settle();
        generator.write(0, " + c");
        generator.end(0);
        const outcome = await pending;
        assert.equal(generator.calls.length, 1);
        assert.equal(outcome.suggestion?.insertText, "c");
        assert.equal(outcome.stats.source, "typedAhead");
    });

    it("shows only whole results with a latency budget of 0", async () => {
        const timers = new VirtualClock();
        const generator = new FakeTextGenerator(() => ["    return a + b\n", "    pass"]);
        generator.hold();
        const engine = new CompletionEngine(generator, { settings: withSettings(settings, { latencyBudgetMs: 0 }), timers });
        const pending = engine.complete(request(at(ADD)));
        await settle();
        timers.advance(10_000);
        await settle();
        generator.release();
        const outcome = await pending;
        assert.equal(outcome.continuation, undefined);
        assert.equal(outcome.suggestion?.insertText, "return a + b\n    pass");
    });

    it("aborts the running generation when a newer request cannot use it (single flight)", async () => {
        const generator = new FakeTextGenerator((options) => (options.prompt.endsWith("x") ? [" = 1"] : ["    ret", "urn a + b"]));
        generator.hold();
        const engine = engineWith(generator);
        const older = engine.complete(request(at(ADD)));
        await settle();
        const newer = engine.complete(request(at("def add(a, b):\n    x|")));
        await settle();
        assert.equal(generator.calls[0]!.signal?.aborted, true);
        generator.release();
        await older;
        assert.equal((await newer).suggestion?.insertText, " = 1");
        assert.equal(generator.calls.length, 2);
    });

    it("aborts a generation nobody waits for after the grace period", async () => {
        const timers = new VirtualClock();
        const generator = new FakeTextGenerator(() => ["ret", "urn a + b"]);
        generator.hold();
        const engine = engineWith(generator, { timers });
        const controller = new AbortController();
        const outcome = engine.complete(request(at(ADD), "explicit", controller.signal));
        await settle();
        controller.abort();
        assert.equal((await outcome).reason, "cancelled");
        assert.equal(generator.calls[0]!.signal?.aborted, false, "still running during the grace period");
        timers.advance(settings.abandonGraceMs);
        assert.equal(generator.calls[0]!.signal?.aborted, true);
        generator.release();
    });

    it("debounces automatic requests (no model call when cancelled while waiting), not explicit ones", async () => {
        const timers = new VirtualClock();
        const generator = new FakeTextGenerator(() => ["return a + b"]);
        const engine = new CompletionEngine(generator, { settings: DEFAULT_COMPLETION_SETTINGS, timers, now: timers.now });
        const controller = new AbortController();
        const cancelled = engine.complete(request(at(ADD), "automatic", controller.signal));
        await settle();
        controller.abort();
        assert.equal((await cancelled).reason, "cancelled");
        assert.equal(generator.calls.length, 0);
        const waiting = engine.complete(request(at("def add(a, b):\n    |\n"), "automatic"));
        await settle();
        assert.equal(generator.calls.length, 0, "still debouncing");
        timers.advance(DEFAULT_COMPLETION_SETTINGS.debounce.coldMs);
        const outcome = await waiting;
        assert.equal(outcome.stats.debounceMs, DEFAULT_COMPLETION_SETTINGS.debounce.coldMs);
        assert.equal(generator.calls.length, 1);
        await engine.complete(request(at("def sub(a, b):\n    |")));
        assert.equal(generator.calls.length, 2, "explicit requests do not wait");
    });

    it("evaluates a typed prompt in the background at once while the debounce waits; the next keystroke replaces it, the generation stops it", async () => {
        const timers = new VirtualClock();
        const generator = new FakeTextGenerator(() => ["eturn a + b"]);
        generator.holdPrefills();
        const engine = new CompletionEngine(generator, { settings: DEFAULT_COMPLETION_SETTINGS, timers, now: timers.now });
        const first = new AbortController();
        const typed = engine.complete(request(at("def add(a, b):\n    r|"), "automatic", first.signal));
        await settle();
        assert.equal(generator.calls.length, 0, "still debouncing");
        assert.deepEqual(generator.prefills.map((prefill) => [prefill.sequenceKey, prefill.priority]), [["file:///work/a.py", "background"]]);
        first.abort();
        await typed;
        const waiting = engine.complete(request(at("def add(a, b):\n    re|"), "automatic"));
        await settle();
        assert.equal(generator.prefills.length, 2);
        assert.equal(generator.prefills[0]!.signal?.aborted, true, "the older prompt's prefill is replaced");
        assert.equal(generator.prefills[1]!.signal?.aborted, false);
        assert.equal(engine.stateSizes.typingPrefills, 1);
        timers.advance(DEFAULT_COMPLETION_SETTINGS.debounce.coldMs);
        await waiting;
        assert.equal(generator.prefills[1]!.signal?.aborted, true, "the generation takes over the prompt");
        assert.equal(generator.calls[0]!.prompt, generator.prefills[1]!.prompt);
        assert.equal(engine.stateSizes.typingPrefills, 0);
        await engine.complete(request(at("def sub(a, b):\n    |")));
        assert.equal(generator.prefills.length, 2, "an explicit request does not wait, so nothing is prefilled for it");
    });

    it("after a completed typing prefill the next keystroke's request is warm (short debounce); without prefill while typing it is cold", async () => {
        for (const prefillWhileTyping of [true, false]) {
            const timers = new VirtualClock();
            const generator = new FakeTextGenerator(() => ["turn a + b"]);
            const engine = new CompletionEngine(generator, { settings: withSettings(DEFAULT_COMPLETION_SETTINGS, { prefillWhileTyping }), timers, now: timers.now });
            const first = new AbortController();
            const typed = engine.complete(request(at("def add(a, b):\n    r|"), "automatic", first.signal));
            await settle();
            first.abort();
            await typed;
            const waiting = engine.complete(request(at("def add(a, b):\n    re|"), "automatic"));
            await settle();
            const { warmMs, coldMs } = DEFAULT_COMPLETION_SETTINGS.debounce;
            timers.advance(warmMs);
            await settle();
            assert.equal(generator.calls.length, prefillWhileTyping ? 1 : 0, `generating after the warm debounce (prefillWhileTyping ${prefillWhileTyping})`);
            timers.advance(coldMs);
            assert.equal((await waiting).suggestion?.insertText, "turn a + b");
            assert.equal(generator.prefills.length, prefillWhileTyping ? 2 : 0);
        }
    });

    it("first look: at a cold place a short window answers on a sequence of its own while the whole window is read in the background, which then takes over", async () => {
        const lines = Array.from({ length: 150 }, (_, index) => `x_${index} = ${index}`);
        const source = `${lines.join("\n")}\ndef add(a, b):\n    |`;
        const generator = new FakeTextGenerator(() => ["    return a + b"]);
        generator.holdPrefills();
        const looking = withSettings(DEFAULT_COMPLETION_SETTINGS, { firstLookTokens: 64, maxPromptTokens: 1024, debounce: { warmMs: 0, coldMs: 0 } });
        const engine = new CompletionEngine(generator, { settings: looking });
        const place = at(source);

        const first = await engine.complete(request(place, "automatic"));
        assert.equal(first.suggestion?.insertText, "return a + b", JSON.stringify(first.stats));
        assert.equal(generator.calls.length, 1);
        const look = generator.calls[0]!;
        assert.equal(look.sequenceKey, firstLookKey(place.document.uri), "the first look has a sequence of its own");
        assert.equal(generator.prefills.length, 1);
        const whole = generator.prefills[0]!;
        assert.equal(whole.sequenceKey, place.document.uri, "the whole window is read into the document's own sequence");
        assert.equal(whole.priority, "background");
        assert.ok(whole.prompt.endsWith(look.prompt.slice(look.prompt.indexOf("def add"))), "both end at the cursor");
        assert.ok(look.prompt.length * 4 < whole.prompt.length, `a short window: ${look.prompt.length} of ${whole.prompt.length} characters`);
        assert.ok(!generator.prefills[0]!.signal?.aborted, "the whole read goes on after the first look answered");

        // The whole window is in the cache now: the next request uses it, on the document's sequence.
        generator.releasePrefills();
        await settle();
        const next = await engine.complete(request(place, "automatic"));
        assert.equal(next.suggestion?.insertText, "return a + b");
        const later = generator.calls[1]!;
        assert.equal(later.sequenceKey, place.document.uri);
        assert.equal(later.prompt, whole.prompt, "the whole window");

        // Off (0, the default): the whole window at once, on the document's sequence.
        const plain = new FakeTextGenerator(() => ["    return a + b"]);
        await new CompletionEngine(plain, { settings: withSettings(looking, { firstLookTokens: 0 }) }).complete(request(place, "automatic"));
        assert.equal(plain.calls[0]!.sequenceKey, place.document.uri);
        assert.equal(plain.calls[0]!.prompt, whole.prompt);
    });

    it("separates model time from pipeline overhead in the stats", async () => {
        let clock = 1000;
        const generator = new FakeTextGenerator(() => ["return a + b"]);
        generator.onGenerate = () => (clock += 500);
        const engine = engineWith(generator, { now: () => clock });
        const outcome = await engine.complete(request(at(ADD)));
        assert.equal(outcome.stats.latencyMs, 500);
        assert.equal(outcome.stats.modelMs, 500);
        assert.equal(outcome.stats.overheadMs, 0);
    });

    it("drops a suggestion that only repeats the next line, with a reason", async () => {
        const generator = new FakeTextGenerator(() => ["    return a + b\n"]);
        const outcome = await engineWith(generator).complete(request(at("def add(a, b):\n    |\n    return a + b")));
        assert.equal(outcome.suggestion, undefined);
        assert.equal(outcome.reason, "cutByRules"); // the stop rule cut it while streaming
        assert.ok(outcome.stats.cuts.some((cut) => cut.rule === "stop:suffixEcho"));
    });

    it("reports nothing to continue at the top of an empty file without calling the model", async () => {
        const generator = new FakeTextGenerator(() => ["x"]);
        const outcome = await engineWith(generator).complete(request(at("|")));
        assert.equal(outcome.reason, "emptyPrompt");
        assert.equal(generator.calls.length, 0);
    });

    it("suggests nothing at a position between the two halves of an emoji, without calling the model", async () => {
        const generator = new FakeTextGenerator(() => ["x"]);
        const document = createTextSnapshot('face = "\u{1F600}"', { uri: "file:///t.py" });
        const inside = await engineWith(generator).complete({ document, position: { line: 0, character: 'face = "'.length + 1 }, signal: new AbortController().signal, trigger: "explicit" });
        assert.equal(inside.reason, "insideCharacter");
        assert.equal(generator.calls.length, 0);
        const after = await engineWith(generator).complete({ document, position: { line: 0, character: 'face = "'.length + 2 }, signal: new AbortController().signal, trigger: "explicit" });
        assert.notEqual(after.reason, "insideCharacter");
        assert.equal(generator.calls.length, 1);
    });

    it("uses the document's line endings and indentation in the inserted text", async () => {
        const generator = new FakeTextGenerator(() => ["    total = 0\n", "    for x in xs:\n", "        total += x"]);
        const document = createTextSnapshot("def f(xs):\r\n\t", { uri: "file:///t.py" });
        const outcome = await engineWith(generator).complete({ document, position: { line: 1, character: 1 }, signal: new AbortController().signal, trigger: "explicit" });
        assert.equal(generator.calls[0]!.prompt, "def f(xs):\n");
        assert.equal(outcome.suggestion?.insertText, "total = 0\r\n\tfor x in xs:\r\n\t\ttotal += x");
    });

    it("cuts with the syntax guard and counts it", async function () {
        this.timeout(20_000);
        const syntaxGuard = await createTreeSitterSyntaxGuard({ wasmDirectory: locateTreeSitterWasmDirectory(), timeBudgetMs: 10_000 });
        const generator = new FakeTextGenerator(() => ["a + b))"]);
        const engine = engineWith(generator, { syntaxGuard });
        const outcome: CompletionOutcome = await engine.complete(request(at("def add(a, b):\n    return |\n")));
        assert.equal(outcome.suggestion?.insertText, "a + b");
        assert.equal(outcome.stats.syntaxGuard?.action, "cut");
        assert.equal(engine.totals.cutBySyntaxGuard, 1);
        syntaxGuard.dispose();
    });

    it("rejects with the generator's error and recovers on the next request", async () => {
        const generator = new FakeTextGenerator(() => ["    return 1"]);
        generator.failWith = new Error("host exited");
        const engine = engineWith(generator);
        await assert.rejects(engine.complete(request(at(ADD))), /host exited/);
        generator.failWith = undefined;
        assert.equal((await engine.complete(request(at(ADD)))).suggestion?.insertText, "return 1");
    });

    it("prefills the prompt at a position in the background on the document's sequence", async () => {
        const generator = new FakeTextGenerator(() => []);
        const engine = engineWith(generator);
        const { document, position } = at("import os\n\ndef f():\n    |");
        const result = await engine.prefill(document, position, new AbortController().signal);
        assert.equal(result?.completed, true);
        assert.deepEqual(
            { key: generator.prefills[0]!.sequenceKey, prompt: generator.prefills[0]!.prompt, priority: generator.prefills[0]!.priority },
            { key: document.uri, prompt: "import os\n\ndef f():\n", priority: "background" },
        );
        assert.equal(await engine.prefill(document, position, new AbortController().signal), undefined, "already warm: skipped");
        assert.equal(generator.prefills.length, 1);
    });

    it("forgets what a document's sequence held once the generator hands that sequence to another document", async () => {
        const generator = new FakeTextGenerator(() => []);
        const delays: number[] = [];
        const engine = engineWith(generator, {
            settings: withSettings(settings, { debounce: { warmMs: 10, coldMs: 200 }, latencyBudgetMs: 0 }),
            timers: { setTimeout: (callback, ms) => { delays.push(ms); return setImmediate(callback); }, clearTimeout: (handle) => clearImmediate(handle as ReturnType<typeof setImmediate>) },
        });
        const first = at("import os\n\ndef f():\n    |", "file:///work/first.py");
        const second = at("import sys\n\ndef g():\n    |", "file:///work/second.py");
        await engine.prefill(first.document, first.position, new AbortController().signal);
        assert.equal(await engine.prefill(first.document, first.position, new AbortController().signal), undefined, "cached: skipped");
        await engine.complete(request(first, "automatic"));
        assert.deepEqual(delays, [10], "first.py's prompt is cached: the warm debounce");

        generator.evictOnNextRequest = [first.document.uri];
        await engine.complete(request(second, "automatic"));
        assert.equal(engine.stateSizes.documentsWithPrompt, 1, "only second.py's prompt is cached");
        await engine.complete(request(at("import os\n\ndef f():\n    r|", first.document.uri), "automatic"));
        assert.deepEqual(delays, [10, 200, 200], "first.py is cold again");
        generator.evictOnNextRequest = [second.document.uri];
        assert.ok(await engine.prefill(first.document, first.position, new AbortController().signal), "first.py is prefilled again");
        assert.ok(await engine.prefill(second.document, second.position, new AbortController().signal), "second.py lost its sequence to that prefill");
    });

    it("forgets a document's prompt when another user of a shared generator (an explanation) takes its sequence", async () => {
        const listeners = new Set<(evictedKey: string) => void>();
        const generator = Object.assign(new FakeTextGenerator(() => []), {
            onDidEvictKey: (listener: (evictedKey: string) => void) => {
                listeners.add(listener);
                return { dispose: () => listeners.delete(listener) };
            },
        });
        const engine = engineWith(generator);
        const { document, position } = at("import os\n\ndef f():\n    |");
        await engine.prefill(document, position, new AbortController().signal);
        assert.equal(await engine.prefill(document, position, new AbortController().signal), undefined, "cached: skipped");
        for (const listener of listeners) listener(document.uri);
        assert.ok(await engine.prefill(document, position, new AbortController().signal), "prefilled again once its sequence went to the explanation");
        engine.dispose();
        assert.equal(listeners.size, 0, "the engine stops listening when disposed");
    });
});
