// The real-time replay on the wall clock with a scripted generator and guard: when a first part
// shows nothing (the guard drops it), the replay asks again as the provider does (it follows every
// continuation): as soon as the line is complete while the generation goes on, or when it ends.
// The pause then gets the whole line.
import assert from "node:assert/strict";
import { DEFAULT_COMPLETION_SETTINGS } from "../../../src/core/completion/CompletionSettings";
import type { GenerateOptions, PrefillOptions, PrefillResult, TextGenerator } from "../../../src/core/textGenerator";
import type { SyntaxGuard, SyntaxGuardInput, SyntaxGuardVerdict } from "../../../src/core/syntax/syntaxGuard";
import type { GenerationResult } from "../../../src/core/types";
import { runRealtimeReplay } from "../../../src/bench/realtimeReplay";
import type { PythonFunction } from "../../../src/bench/pythonCorpus";
import { SeededRandom } from "../../../src/bench/seededRandom";
import { counters } from "../completion/fakeTextGenerator";

/** Draws from a fixed cycle: with REALTIME_RHYTHM, [0.01, 0.45, 0.5] puts a ~2.7 s thinking pause before every keystroke. */
class CyclingRandom extends SeededRandom {
    private index = 0;
    constructor(private readonly values: readonly number[]) {
        super(0);
    }
    override next(): number {
        return this.values[this.index++ % this.values.length]!;
    }
}

/**
 * Every generation writes "    rubbish" at once (the prompt leaves the cursor's indentation to the
 * model; its "r" is what the typist types next, so it types on without a reaction), " more\n"
 * `lineAfterMs` later, and ends `endAfterMs` after it started (one more line if later).
 */
class SlowLineGenerator implements TextGenerator {
    generations = 0;
    constructor(private readonly lineAfterMs: number, private readonly endAfterMs = lineAfterMs) {}

    generate(options: GenerateOptions): Promise<GenerationResult> {
        this.generations++;
        return new Promise((resolve) => {
            let text = "";
            let generated = 0;
            const write = (chunk: string): void => {
                text += chunk;
                generated++;
                if (options.onText?.(chunk) === false) end("stopRule"); // the stop rules ended it, as the host would
            };
            const timers: ReturnType<typeof setTimeout>[] = [];
            const end = (stopReason: GenerationResult["stopReason"]): void => {
                for (const timer of timers) clearTimeout(timer);
                resolve({ text, stopReason, counters: counters(10, generated) });
            };
            timers.push(setTimeout(() => write("    rubbish"), 0), setTimeout(() => write(" more\n"), this.lineAfterMs));
            timers.push(setTimeout(() => {
                if (this.endAfterMs > this.lineAfterMs) write("    pass");
                end("eos");
            }, this.endAfterMs));
            options.signal?.addEventListener("abort", () => end("cancelled"), { once: true });
        });
    }

    async prefill(options: PrefillOptions): Promise<PrefillResult> {
        return { completed: true, counters: counters(options.prompt.length, 0) };
    }
}

/** Drops the bare first part "rubbish" (unless told to keep everything); keeps anything else. */
class DropBareJunk implements SyntaxGuard {
    readonly checked: string[] = [];
    constructor(private readonly dropBare = true) {}
    check(input: SyntaxGuardInput): SyntaxGuardVerdict {
        this.checked.push(input.insertText);
        const drop = this.dropBare && input.insertText.trim() === "rubbish";
        return { text: drop ? "" : input.insertText, action: drop ? "dropped" : "kept", errorsWithout: 0, errorsWith: drop ? 1 : 0, parses: 1 };
    }
}

const lines = ["import os", "", "def f(a):", "    return a", "", "x = 1"];
/** f's body typed again after its first three spaces: a space, then a pause on a line where a block of several lines may follow. */
const place: PythonFunction = { file: { path: "/virtual/module.py", lines }, name: "f", startLine: 3, endLine: 4, indent: "   ", text: " return a" };

describe("realtime replay: a first part that shows nothing", function () {
    this.timeout(20_000);

    async function replay(generator: SlowLineGenerator, guard: DropBareJunk, reaskOnLineEnd = true) {
        return runRealtimeReplay({
            reaskOnLineEnd,
            generator,
            settings: DEFAULT_COMPLETION_SETTINGS,
            syntaxGuard: guard,
            hostRssBytes: async () => 0,
            places: [place],
            // The reading pause (~0.8 s), then a ~2.7 s pause before every keystroke.
            durationMs: 6_800,
            random: new CyclingRandom([0.01, 0.45, 0.5]),
            speed: { promptTokensPerS: 100, generatedTokensPerS: 5 },
        });
    }

    for (const [name, endAfterMs, reaskOnLineEnd] of [["when its generation ends", 1650, false], ["as soon as its line is complete, the generation going on", 4500, true]] as const) {
        it(`asks again ${name}, so the pause gets the whole line and its tokens count as shown`, async () => {
            const guard = new DropBareJunk();
            const report = await replay(new SlowLineGenerator(1650, endAfterMs), guard, reaskOnLineEnd);
            assert.ok(guard.checked.some((text) => text.trim() === "rubbish"), `the first part was checked and dropped: ${JSON.stringify(guard.checked)}`);
            assert.ok(guard.checked.some((text) => text.trim() === "rubbish more"), `the whole line was checked after the re-ask: ${JSON.stringify(guard.checked)}`);
            assert.ok(report.pauses >= 1, `a long pause was measured (${report.pauses})`);
            assert.equal(report.pausesWithSuggestion, report.pauses, JSON.stringify(report.pausesWithoutSuggestion));
            // The first pause's ghost text came from the re-ask, after the dropped part (the typist's accepts make later ones instant).
            assert.ok(report.firstGhostTextMs.max > DEFAULT_COMPLETION_SETTINGS.latencyBudgetMs, `after the dropped part (${report.firstGhostTextMs.max} ms)`);
            assert.ok(report.firstGhostTextMs.max < 2500, `before the pause ended (${report.firstGhostTextMs.max} ms)`);
            // The first generation's tokens were shown; only a generation cut by the end of the run is wasted.
            assert.ok(report.wastedGeneratedTokens <= report.generatedTokens - 2, `${report.wastedGeneratedTokens} of ${report.generatedTokens} wasted`);
        });
    }

    for (const reaskOnLineEnd of [true, false]) {
        it(`shows the whole line after a first part that was its start ${reaskOnLineEnd ? "as soon as the line is complete" : "only when the generation ends (--no-line-reask): after the pause"}`, async () => {
            const report = await replay(new SlowLineGenerator(1650, 4500), new DropBareJunk(false), reaskOnLineEnd);
            assert.ok(report.pausesWithPartialLine >= 1, `a pause began with the start of a line (${report.pausesWithPartialLine})`);
            assert.equal(report.wholeLineAfterPartialMs.count, reaskOnLineEnd ? report.pausesWithPartialLine : 0);
            if (reaskOnLineEnd) assert.ok(report.wholeLineAfterPartialMs.max > 1650 && report.wholeLineAfterPartialMs.max < 2600, `${report.wholeLineAfterPartialMs.max} ms`);
        });
    }
});
