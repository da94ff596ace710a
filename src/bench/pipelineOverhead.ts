// Pipeline overhead on a long file: everything a completion request costs that is not the model
// (prefix window, prompt, mode, cache, stop rules, post-processing, syntax guard), as the engine
// measures it per request (latency - time waiting for the model - debounce), on a 10,000-line
// file at many positions: a jump to a place, then a few keystrokes there.
import { CompletionEngine } from "../core/completion/CompletionEngine";
import type { CompletionSettings } from "../core/completion/CompletionSettings";
import { enclosingBlockSource } from "../core/syntax/guardRegion";
import type { SyntaxGuard } from "../core/syntax/syntaxGuard";
import type { TextGenerator } from "../core/textGenerator";
import { distributionOf } from "./percentiles";
import type { Distribution } from "./percentiles";
import type { SeededRandom } from "./seededRandom";
import { TypedDocument } from "./TypedDocument";

export interface OverheadOptions {
    readonly generator: TextGenerator;
    readonly settings: CompletionSettings;
    readonly syntaxGuard: SyntaxGuard;
    readonly lines: readonly string[];
    readonly places: number;
    readonly keystrokesPerPlace: number;
    readonly random: SeededRandom;
}

export interface OverheadReport {
    readonly fileLines: number;
    readonly requests: number;
    readonly overheadMs: Distribution;
    /** The part of it spent in the syntax guard. */
    readonly syntaxGuardMs: Distribution;
    /** Overhead minus the syntax guard's time. */
    readonly withoutSyntaxGuardMs: Distribution;
    /** Parses per guard check, and lines of the block each parse covers. */
    readonly syntaxGuardParses: Distribution;
    readonly syntaxGuardBlockLines: Distribution;
    /** Overhead by what the guard did: a kept suggestion costs two parses, a cut or dropped one up to ten. */
    readonly byGuardAction: Readonly<Record<string, Distribution>>;
    /** Client-side model wait minus the host's own time for the request: IPC and scheduling. */
    readonly hostRoundTripMs: Distribution;
    readonly bySource: Readonly<Record<string, number>>;
}

export async function measurePipelineOverhead(options: OverheadOptions): Promise<OverheadReport> {
    const engine = new CompletionEngine(options.generator, { settings: options.settings, syntaxGuard: options.syntaxGuard });
    const overhead: number[] = [];
    const guard: number[] = [];
    const withoutGuard: number[] = [];
    const parses: number[] = [];
    const blockLines: number[] = [];
    const byAction: Record<string, number[]> = {};
    const roundTrip: number[] = [];
    const bySource: Record<string, number> = {};
    const lines = options.lines;
    for (let place = 0; place < options.places; place++) {
        // A line with enough code to take a few characters out of its middle.
        let lineIndex: number;
        let text: string;
        do {
            lineIndex = options.random.integer(Math.min(200, lines.length - 1), lines.length - 1);
            text = lines[lineIndex]!;
        } while (text.trim().length < 12);
        const indent = text.length - text.trimStart().length;
        const column = options.random.integer(indent + 1, text.length - options.keystrokesPerPlace);
        const removed = text.slice(column, column + options.keystrokesPerPlace);
        const edited = [...lines];
        edited[lineIndex] = text.slice(0, column) + text.slice(column + removed.length);
        const document = new TypedDocument("file:///bench/long_file.py", edited, { line: lineIndex, character: column });
        for (let keystroke = 0; keystroke <= removed.length; keystroke++) {
            if (keystroke > 0) document.insert(removed[keystroke - 1]!);
            const snapshot = document.snapshot();
            const outcome = await engine.complete({ document: snapshot, position: document.position, signal: new AbortController().signal, trigger: "explicit" });
            const stats = outcome.stats;
            overhead.push(stats.overheadMs);
            withoutGuard.push(stats.overheadMs - (stats.syntaxGuard?.ms ?? 0));
            if (stats.syntaxGuard) {
                guard.push(stats.syntaxGuard.ms);
                parses.push(stats.syntaxGuard.parses);
                (byAction[stats.syntaxGuard.action] ??= []).push(stats.overheadMs);
                const block = enclosingBlockSource(snapshot, document.position);
                blockLines.push(block.before.split("\n").length + block.after.split("\n").length - 1);
            }
            if (stats.source === "model" && stats.counters) roundTrip.push(Math.max(0, stats.modelMs - stats.counters.totalMs));
            const source = stats.source ?? outcome.reason ?? "none";
            bySource[source] = (bySource[source] ?? 0) + 1;
        }
    }
    engine.dispose();
    return {
        fileLines: lines.length,
        requests: overhead.length,
        overheadMs: distributionOf(overhead),
        syntaxGuardMs: distributionOf(guard),
        withoutSyntaxGuardMs: distributionOf(withoutGuard),
        syntaxGuardParses: distributionOf(parses, 0),
        syntaxGuardBlockLines: distributionOf(blockLines, 0),
        hostRoundTripMs: distributionOf(roundTrip),
        byGuardAction: Object.fromEntries(Object.entries(byAction).map(([action, values]) => [action, distributionOf(values)])),
        bySource,
    };
}
