// What `bench --explain` prints: the JSON object's type and its readable table.
import type { ExplainBenchReport, ExplainRunFigures } from "./explainBench";
import type { Distribution } from "./percentiles";

export interface ExplainBenchResult {
    readonly version: 1;
    readonly kind: "explain";
    readonly quick: boolean;
    readonly seed: number;
    readonly machine: { readonly cores: number; readonly loadAverageAtEnd: number };
    readonly model: {
        readonly path: string;
        readonly kind: "tiny-random" | "file" | "phi2-shaped";
        readonly contextSize: number;
        readonly threads: number;
        readonly loadMs: number;
    };
    readonly explain: ExplainBenchReport;
    readonly durationMs: number;
}

function ms(d: Distribution): string {
    return d.count === 0 ? "none" : `p50 ${d.p50} ms  max ${d.max} ms  (n=${d.count})`;
}

function run(figures: ExplainRunFigures): string {
    const words = figures.firstWordsMs === null ? "no words" : `first words ${figures.firstWordsMs} ms`;
    const end = figures.stopRule !== undefined ? `cut by ${figures.stopRule}` : figures.stopReason;
    return `${words}, ${figures.evaluatedTokens} prompt tokens read, ${figures.generatedTokens} tokens at ${figures.generatedTokensPerS} tokens/s, ${end}`;
}

export function formatExplainTable(result: ExplainBenchResult): string {
    const e = result.explain;
    const rows: ReadonlyArray<readonly [string, string]> = [
        ["first words", ms(e.firstWordsMs)],
        ["physical floor (prompt + one token)", ms(e.floorMs)],
        ["first words / floor", e.firstWordsOverFloor.count === 0 ? "none" : `p50 ${e.firstWordsOverFloor.p50}  max ${e.firstWordsOverFloor.max}`],
        ["Explain Again: first words", ms(e.againFirstWordsMs)],
        ["Explain Again: a different text", `${e.againDiffers} / ${e.explanations.length}`],
        ["generation speed", `p50 ${e.generatedTokensPerS.p50} tokens/s`],
    ];
    const width = Math.max(...rows.map((row) => row[0].length));
    const out: string[] = [];
    out.push(`phi2-complete bench --explain${result.quick ? " --quick" : ""}: ${result.model.kind} ${result.model.path}`);
    out.push(`${result.model.threads} threads, context ${result.model.contextSize}, seed ${result.seed}, load average ${result.machine.loadAverageAtEnd} at the end, ${(result.durationMs / 1000).toFixed(1)} s`);
    out.push(`model speed here: prompt ${e.speed.promptTokensPerS} tokens/s, generation ${e.speed.generatedTokensPerS} tokens/s; at most ${e.maxTokens} tokens per explanation`);
    out.push("");
    for (const [metric, value] of rows) out.push(`  ${metric.padEnd(width)}  ${value}`);
    out.push("", "Explanations");
    for (const explanation of e.explanations) {
        out.push(`  ${explanation.file}:${explanation.line} ${explanation.function}: ${explanation.promptTokens}-token prompt, floor ${explanation.floorMs} ms`);
        out.push(`    first: ${run(explanation.first)}`);
        out.push(`    again: ${run(explanation.again)}${explanation.again.differs ? "" : " (the same text)"}`);
    }
    return `${out.join("\n")}\n`;
}
