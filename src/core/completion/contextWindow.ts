// The prefix window: which lines before the cursor go into the prompt, within a token budget.
//
// KV-cache reuse keeps the longest common token prefix with the previous request, so the prompt's
// START must not change while the user types. The window's first line is therefore aligned to a
// multiple of `stepLines`: it moves only when the text before the cursor outgrows the budget by a
// whole step, not on every keystroke. When the window no longer starts at the top of the file, the
// file header (imports, module docstring) is kept in front of it.
//
// Reads lines only through DocumentSnapshot.lineAt, and only those it needs (about the budget's
// worth before the cursor, plus the header scan): no whole-text copies on a keystroke.
import type { DocumentSnapshot, Position } from "../types";
import { detectFileHeaderEnd, MAX_HEADER_SCAN_LINES } from "./fileHeader";
import { estimateLineTokens, estimateTextTokens } from "../tokenEstimate";

export interface PrefixWindowOptions {
    /** Estimated prompt tokens at most. */
    readonly budgetTokens: number;
    /** The window start is a multiple of this many lines. */
    readonly stepLines: number;
    /** Share of the budget the header may take (0..1). */
    readonly headerShare: number;
}

export interface PrefixWindow {
    /** Header lines [0, headerEndLine) come first; 0 when the window starts at the top or there is no header. */
    readonly headerEndLine: number;
    /** Body lines [startLine, cursorLine) follow the header. */
    readonly startLine: number;
    readonly cursorLine: number;
    /** The cursor line's text before the cursor (the end of the prompt). */
    readonly textBeforeCursor: string;
    readonly estimatedTokens: number;
}

export function computePrefixWindow(document: DocumentSnapshot, position: Position, options: PrefixWindowOptions): PrefixWindow {
    const cursorLine = position.line;
    let textBeforeCursor = document.lineAt(cursorLine).slice(0, position.character);
    let cursorTokens = estimateTextTokens(textBeforeCursor);
    if (cursorTokens > options.budgetTokens) {
        // A single huge line: keep its end only (rare; the start is not stable in this case).
        textBeforeCursor = textBeforeCursor.slice(textBeforeCursor.length - options.budgetTokens * 3);
        cursorTokens = estimateTextTokens(textBeforeCursor);
    }

    // Walk back from the cursor while the lines fit the whole budget.
    const lineTokens: number[] = [];
    let used = cursorTokens;
    let earliest = cursorLine;
    while (earliest > 0) {
        const tokens = estimateLineTokens(document.lineAt(earliest - 1));
        if (used + tokens > options.budgetTokens) break;
        used += tokens;
        lineTokens.push(tokens);
        earliest--;
    }
    if (earliest === 0) {
        return { headerEndLine: 0, startLine: 0, cursorLine, textBeforeCursor, estimatedTokens: used };
    }

    // The file does not fit: keep the header (trimmed to its share), then a step-aligned body.
    let headerEndLine = detectFileHeaderEnd(document, Math.min(cursorLine, MAX_HEADER_SCAN_LINES));
    let headerTokens = 0;
    const headerBudget = Math.floor(options.budgetTokens * options.headerShare);
    for (let line = 0; line < headerEndLine; line++) {
        const tokens = estimateLineTokens(document.lineAt(line));
        if (headerTokens + tokens > headerBudget) {
            headerEndLine = line;
            break;
        }
        headerTokens += tokens;
    }

    // Smallest body start that fits next to the header, rounded UP to the step grid.
    let bodyTokens = used; // lines [earliest, cursorLine) + cursor text
    let fitStart = earliest;
    let index = lineTokens.length - 1; // lineTokens[i] is line cursorLine-1-i
    while (bodyTokens + headerTokens > options.budgetTokens && fitStart < cursorLine) {
        bodyTokens -= lineTokens[index--] ?? 0;
        fitStart++;
    }
    const step = Math.max(1, options.stepLines);
    let startLine = Math.min(cursorLine, Math.ceil(fitStart / step) * step);
    if (startLine <= headerEndLine) startLine = headerEndLine;
    for (let line = fitStart; line < startLine; line++) bodyTokens -= lineTokens[cursorLine - 1 - line] ?? 0;
    if (headerEndLine === startLine) {
        // Contiguous: the header is simply the top of the body.
        return { headerEndLine: 0, startLine: 0, cursorLine, textBeforeCursor, estimatedTokens: headerTokens + bodyTokens };
    }
    return { headerEndLine, startLine, cursorLine, textBeforeCursor, estimatedTokens: headerTokens + bodyTokens };
}
