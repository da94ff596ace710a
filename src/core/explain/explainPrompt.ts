// The explanation prompt for Phi-2, a base model: its QA format from the model card
// (`Instruct: <task>\nOutput:`), the code in a fenced python block, the imports it uses first.
// Very large inputs are trimmed to a token budget so prompt + explanation fit the context.
import { CHARACTERS_PER_TOKEN, estimateTextTokens } from "../tokenEstimate";
import type { DocumentSnapshot, Position, Range } from "../types";
import { selectExplainSource, type ExplainSource } from "./explainInput";
import { relevantImports } from "./importContext";
import type { ExplainSampling } from "./explainSampling";

/** Even with a large maxTokens, keep room for this much code. */
export const MIN_CODE_TOKENS = 256;
/** Room for the instruction, fences and the tokenizer's rounding. */
const PROMPT_OVERHEAD_TOKENS = 64;

export const EXPLAIN_INSTRUCTION =
    "Explain what the following Python code does: its purpose, its inputs and outputs, and how it works step by step.";

export interface ExplainSettings {
    /** Cap on generated tokens (setting phi2.explain.maxTokens). */
    readonly maxTokens: number;
    /** Context size of the model's sequence, in tokens. */
    readonly contextTokens: number;
}

export interface TrimInfo {
    /** Last document line that was sent (inclusive). */
    readonly shownEndLine: number;
    readonly omittedLines: number;
    /** Token budget the code had to fit in (estimate). */
    readonly budgetTokens: number;
}

export interface ExplainJob {
    readonly source: ExplainSource;
    /** File name shown in the panel (last segment of the document URI). */
    readonly fileName: string;
    readonly imports: readonly string[];
    /** The code as sent (possibly trimmed). */
    readonly code: string;
    /** Set when the code was trimmed to the budget: the panel says so. */
    readonly trimmed?: TrimInfo;
    readonly prompt: string;
    readonly maxTokens: number;
    /** Sampled decoding (Explain Again); greedy when absent. */
    readonly sampling?: ExplainSampling;
}

/**
 * Keeps whole lines from the top while they fit `budgetTokens`; a single first line longer than
 * the budget is cut. Returns the kept text and how many lines were dropped.
 */
export function trimToTokenBudget(code: string, budgetTokens: number): { readonly code: string; readonly keptLines: number; readonly omittedLines: number } {
    const lines = code.split("\n");
    if (estimateTextTokens(code) <= budgetTokens) return { code, keptLines: lines.length, omittedLines: 0 };
    const budgetChars = budgetTokens * CHARACTERS_PER_TOKEN;
    let used = 0;
    let kept = 0;
    while (kept < lines.length && used + lines[kept].length + 1 <= budgetChars) {
        used += lines[kept].length + 1;
        kept++;
    }
    if (kept === 0) return { code: lines[0].slice(0, budgetChars), keptLines: 1, omittedLines: lines.length - 1 };
    return { code: lines.slice(0, kept).join("\n").trimEnd(), keptLines: kept, omittedLines: lines.length - kept };
}

export function fileNameOf(uri: string): string {
    // `untitled:Untitled-1` has no path: drop the scheme.
    const path = uri.replace(/[?#].*$/, "").replace(/^[A-Za-z][\w+.-]*:(?!\/)/, "");
    const last = path.slice(path.lastIndexOf("/") + 1);
    try {
        return decodeURIComponent(last) || uri;
    } catch {
        return last || uri;
    }
}

/** Assembles the prompt. Exported for tests and the CLI; `buildExplainJob` is the usual entry. */
export function formatExplainPrompt(code: string, imports: readonly string[], omittedLines: number): string {
    const parts = [`Instruct: ${EXPLAIN_INSTRUCTION}`, "```python"];
    if (imports.length > 0) parts.push(...imports, "");
    parts.push(code);
    // Tell the model the code goes on, so it does not explain the cut as a bug.
    if (omittedLines > 0) parts.push(`# ... (${omittedLines} more lines not shown)`);
    parts.push("```", "Output:");
    return parts.join("\n");
}

/** Selects the code, trims it to the budget and builds the prompt. Undefined when there is nothing to explain. */
export function buildExplainJob(
    document: DocumentSnapshot,
    cursor: Position,
    selection: Range | undefined,
    settings: ExplainSettings,
): ExplainJob | undefined {
    const source = selectExplainSource(document, cursor, selection);
    if (source === undefined) return undefined;

    const imports = relevantImports(document, source.code, source);
    const fixedTokens = PROMPT_OVERHEAD_TOKENS + estimateTextTokens(EXPLAIN_INSTRUCTION) + estimateTextTokens(imports.join("\n"));
    const budgetTokens = Math.max(MIN_CODE_TOKENS, settings.contextTokens - settings.maxTokens - fixedTokens);
    const trim = trimToTokenBudget(source.code, budgetTokens);

    const trimmed: TrimInfo | undefined =
        trim.omittedLines > 0 || trim.code.length < source.code.length
            ? { shownEndLine: source.startLine + trim.keptLines - 1, omittedLines: trim.omittedLines, budgetTokens }
            : undefined;
    // Imports only help next to code that uses them: after trimming, keep those the kept code uses
    // (a subset of the ones budgeted for above, so the prompt still fits).
    const keptImports = trimmed === undefined ? imports : relevantImports(document, trim.code, source);

    return {
        source,
        fileName: fileNameOf(document.uri),
        imports: keptImports,
        code: trim.code,
        trimmed,
        prompt: formatExplainPrompt(trim.code, keptImports, trim.omittedLines),
        maxTokens: settings.maxTokens,
    };
}
