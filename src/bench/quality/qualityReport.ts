// The quality benchmark's result: one JSON object (`--json`; the field names under `quality` are
// the contract the issue names) and a readable table with the variants side by side.
import type { QualityFigures } from "./measureQuality";
import type { SpotKind } from "./qualitySpots";

export interface QualitySample {
    readonly variant: string;
    readonly kind: SpotKind;
    readonly file: string;
    readonly line: number;
    readonly character: number;
    readonly before: string;
    readonly expected: string;
    readonly suggestion: string | null;
    readonly problem?: string;
    /** Why nothing was shown, or which rules cut the suggestion. */
    readonly why?: string;
    readonly rawText?: string;
}

export interface QualityResult {
    readonly version: 1;
    readonly quick: boolean;
    readonly seed: number;
    readonly model: { readonly path: string; readonly contextSize: number; readonly threads: number };
    readonly corpus: { readonly stdlib: string; readonly heldOutFiles: number; readonly lineSpots: number; readonly blockSpots: number; readonly crossFileSpots: number; readonly replayFunctions: number };
    /** The default variant's figures, plus every variant's under `variants`. */
    readonly quality: QualityFigures & {
        readonly variants: Readonly<Record<string, QualityFigures & { readonly description: string }>>;
    };
    /** Safety target of the issue: no shown suggestion adds a parse error or repeats the suffix, with >= 40% shown. */
    readonly safetyTargetMet: boolean;
    /** Spots of the default variant with what was expected and what was shown, and every flagged suggestion. */
    readonly samples: readonly QualitySample[];
    readonly durationMs: number;
}

/** Shown rate the issue asks for together with zero parse errors and zero suffix duplicates. */
export const MIN_SHOWN_RATE = 0.4;

export function meetsSafetyTarget(figures: QualityFigures): boolean {
    return figures.parseErrorsAdded === 0 && figures.suffixDuplicates === 0 && figures.shownRate >= MIN_SHOWN_RATE;
}

const percent = (value: number): string => `${(value * 100).toFixed(1)}%`;

const COLUMNS: readonly [title: string, value: (figures: QualityFigures) => string][] = [
    ["shown", (f) => percent(f.shownRate)],
    ["line exact", (f) => percent(f.lineExactMatch)],
    ["line sim", (f) => f.lineEditSimilarity.toFixed(3)],
    ["ml 1st exact", (f) => percent(f.multiLine.firstLineExactMatch)],
    ["ml 1st sim", (f) => f.multiLine.firstLineEditSimilarity.toFixed(3)],
    ["block exact", (f) => percent(f.multiLine.blockExactMatch)],
    ["block sim", (f) => f.multiLine.blockEditSimilarity.toFixed(3)],
    ["keys saved", (f) => percent(f.keystrokesSaved)],
    ["xfile exact", (f) => percent(f.crossFile.exactMatch)],
    ["xfile sim", (f) => f.crossFile.editSimilarity.toFixed(3)],
    ["ctx tok", (f) => f.contextTokensPerRequest.toFixed(0)],
    ["eval tok", (f) => f.evaluatedTokensPerRequest.toFixed(0)],
    ["parse err", (f) => String(f.parseErrorsAdded)],
    ["suffix dup", (f) => String(f.suffixDuplicates)],
    ["latency p50", (f) => `${f.latencyMs.p50.toFixed(0)} ms`],
    ["latency p95", (f) => `${f.latencyMs.p95.toFixed(0)} ms`],
];

export function formatQualityTable(result: QualityResult): string {
    const names = Object.keys(result.quality.variants);
    const nameWidth = Math.max(8, ...names.map((name) => name.length));
    const cells = names.map((name) => COLUMNS.map(([, value]) => value(result.quality.variants[name]!)));
    const widths = COLUMNS.map(([title], column) => Math.max(title.length, ...cells.map((row) => row[column]!.length)));
    const out: string[] = [];
    const c = result.corpus;
    out.push(`phi2-complete bench quality${result.quick ? " (quick)" : ""}: ${result.model.path}`);
    out.push(`held-out stdlib files ${c.heldOutFiles} (${c.stdlib}); ${c.lineSpots} line spots, ${c.blockSpots} block spots, ${c.crossFileSpots} cross-file spots, ${c.replayFunctions} functions retyped; context ${result.model.contextSize}, ${result.model.threads} threads, seed ${result.seed}, ${(result.durationMs / 1000).toFixed(1)} s`);
    out.push("");
    out.push(`${"variant".padEnd(nameWidth)}  ${COLUMNS.map(([title], column) => title.padStart(widths[column]!)).join("  ")}`);
    names.forEach((name, row) => {
        out.push(`${name.padEnd(nameWidth)}  ${cells[row]!.map((cell, column) => cell.padStart(widths[column]!)).join("  ")}`);
    });
    out.push("");
    for (const name of names) out.push(`  ${name.padEnd(nameWidth)}  ${result.quality.variants[name]!.description}`);
    out.push("", "ml = multi-line spots (cursor at the start of a block body); xfile = cross-file spots (cursor before a use of a name imported from another module);");
    out.push("ctx tok / eval tok = project-context tokens and prompt tokens evaluated per request; rates are over all spots, a spot without a suggestion counts as a miss.");
    out.push(result.safetyTargetMet
        ? `Safety target met: no parse errors added, no suffix duplicates, ${percent(result.quality.shownRate)} of spots shown (>= ${percent(MIN_SHOWN_RATE)}).`
        : `Safety target MISSED (default variant): parse errors added ${result.quality.parseErrorsAdded}, suffix duplicates ${result.quality.suffixDuplicates}, shown ${percent(result.quality.shownRate)} (needs 0, 0, >= ${percent(MIN_SHOWN_RATE)}).`);
    const flagged = result.samples.filter((sample) => sample.problem !== undefined);
    if (flagged.length > 0) {
        out.push("", "Shown suggestions with problems:");
        for (const sample of flagged) out.push(`  [${sample.variant}] ${sample.file}:${sample.line}:${sample.character} ${JSON.stringify(sample.suggestion)}: ${sample.problem}`);
    }
    return `${out.join("\n")}\n`;
}

