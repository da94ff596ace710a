// The syntax guard: a suggestion must not make the code around the cursor fail to parse. The text
// is parsed with and without the suggestion; a suggestion that adds parse errors is cut back to
// its longest prefix that adds none (line boundaries first, then word boundaries in its first
// line), or dropped. Only the enclosing top-level block is parsed, so the cost does not grow with
// the file.
//
// The parser is behind `ParseErrorCounter` so this logic is pure and tested with a fake; the
// tree-sitter implementation lives in src/core/syntax/.
import type { DocumentSnapshot, Position } from "../types";
import { isBlank } from "./indentation";

export interface SyntaxGuardInput {
    /** Source before the insertion point (from the start of the enclosing top-level block). */
    readonly before: string;
    readonly insertText: string;
    /** Source after the insertion point (to the end of the enclosing top-level block). */
    readonly after: string;
}

export interface SyntaxGuardVerdict {
    /** The suggestion to show: the whole of it, a prefix, or "" when dropped. */
    readonly text: string;
    readonly action: "kept" | "cut" | "dropped";
    /** Parse errors in the source without the suggestion (not parsed when the suggestion leaves none). */
    readonly errorsWithout: number | undefined;
    /** Parse errors with the whole suggestion inserted. */
    readonly errorsWith: number;
    readonly parses: number;
}

export interface SyntaxGuard {
    check(input: SyntaxGuardInput): SyntaxGuardVerdict;
}

/** Counts syntax errors (error and missing nodes) in a piece of Python source. */
export type ParseErrorCounter = (source: string) => number;

/**
 * Parses per check at most. One parse of a local block costs ~0.15 ms; ten keep a check that
 * must cut back within the pipeline's 5 ms p99 overhead budget.
 */
const MAX_PARSES_PER_CHECK = 10;

/** Prefixes of `text` to try, longest first: line boundaries, then word ends within the first line. */
export function cutBackCandidates(text: string): string[] {
    const candidates: string[] = [];
    for (let newline = text.lastIndexOf("\n"); newline > 0; newline = text.lastIndexOf("\n", newline - 1)) {
        const prefix = text.slice(0, newline);
        if (!isBlank(prefix)) candidates.push(prefix);
    }
    const firstLineEnd = text.indexOf("\n");
    const firstLine = firstLineEnd >= 0 ? text.slice(0, firstLineEnd) : text;
    for (let end = firstLine.length - 1; end > 0; end--) {
        const boundary = /[\w)\]}"']/.test(firstLine[end - 1]!) && !/\w/.test(firstLine[end]!);
        if (boundary && !isBlank(firstLine.slice(0, end))) candidates.push(firstLine.slice(0, end));
    }
    return candidates;
}

/**
 * The guard's algorithm over any error counter. Counting alone would miss a suggestion that fixes
 * the user's unfinished line and breaks something else (`x = |` + `f(1))`: one error before, one
 * after), so a suggestion that leaves any error is also compared with its prefixes: the longest
 * one with fewer errors wins.
 */
export function guardSuggestion(input: SyntaxGuardInput, countErrors: ParseErrorCounter): SyntaxGuardVerdict {
    const errorsWith = countErrors(input.before + input.insertText + input.after);
    if (errorsWith === 0) return { text: input.insertText, action: "kept", errorsWithout: undefined, errorsWith, parses: 1 };
    const errorsWithout = countErrors(input.before + input.after);
    // A prefix must add no error, and (when the whole suggestion adds none) must remove one.
    const acceptable = Math.min(errorsWithout, errorsWith - 1);
    let parses = 2;
    for (const candidate of cutBackCandidates(input.insertText)) {
        if (parses >= MAX_PARSES_PER_CHECK) break;
        parses++;
        if (countErrors(input.before + candidate + input.after) <= acceptable) {
            return { text: candidate, action: "cut", errorsWithout, errorsWith, parses };
        }
    }
    if (errorsWith <= errorsWithout) return { text: input.insertText, action: "kept", errorsWithout, errorsWith, parses };
    return { text: "", action: "dropped", errorsWithout, errorsWith, parses };
}

/** Lines scanned around the cursor for the enclosing top-level block at most. */
const BLOCK_MAX_LINES_BEFORE = 300;
const BLOCK_MAX_LINES_AFTER = 100;

/** Column-0 lines that continue the statement above rather than start a new one. */
const CONTINUES_TOP_LEVEL = /^(?:else\b|elif\b|except\b|finally\b|[)\]}#@])/;

/**
 * The source of the top-level block around the cursor, split at the cursor: from the top-level
 * statement (with its decorators) that holds the cursor to the next top-level statement.
 */
export function enclosingBlockSource(document: DocumentSnapshot, position: Position): { before: string; after: string } {
    const cursorLine = position.line;
    let start = cursorLine;
    const lowest = Math.max(0, cursorLine - BLOCK_MAX_LINES_BEFORE);
    while (start > lowest) {
        const text = document.lineAt(start);
        if (startsTopLevelStatement(text) && !CONTINUES_TOP_LEVEL.test(text)) break;
        start--;
    }
    while (start > 0 && document.lineAt(start - 1).startsWith("@")) start--;
    let end = cursorLine + 1;
    const highest = Math.min(document.lineCount, cursorLine + 1 + BLOCK_MAX_LINES_AFTER);
    while (end < highest) {
        const text = document.lineAt(end);
        if (startsTopLevelStatement(text) && (text.startsWith("@") || !CONTINUES_TOP_LEVEL.test(text))) break;
        end++;
    }
    const line = document.lineAt(cursorLine);
    const beforeLines: string[] = [];
    for (let i = start; i < cursorLine; i++) beforeLines.push(document.lineAt(i));
    beforeLines.push(line.slice(0, position.character));
    const afterLines: string[] = [line.slice(position.character)];
    for (let i = cursorLine + 1; i < end; i++) afterLines.push(document.lineAt(i));
    return { before: beforeLines.join("\n"), after: afterLines.join("\n") };
}

function startsTopLevelStatement(text: string): boolean {
    return text.length > 0 && text.charCodeAt(0) !== 32 && text.charCodeAt(0) !== 9;
}
