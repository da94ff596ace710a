// What code an explanation is about: the selection; without one, the enclosing function or
// class; at module level, a window of lines around the cursor.
import type { DocumentSnapshot, Position, Range } from "../types";
import { isBlank, leadingWhitespace } from "../python/indentation";
import { findEnclosingBlock } from "../python/blocks";

export type ExplainInputKind = "selection" | "function" | "class" | "window";

export interface ExplainSource {
    readonly kind: ExplainInputKind;
    /** Name of the function or class, when the input is one. */
    readonly name?: string;
    /** First and last document line of the code (zero-based, inclusive). */
    readonly startLine: number;
    readonly endLine: number;
    /** The code, with its common indentation removed. */
    readonly code: string;
}

/** Lines above and below the cursor when there is neither a selection nor an enclosing block. */
export const CURSOR_WINDOW_RADIUS = 15;

function isEmptyRange(range: Range): boolean {
    return range.start.line === range.end.line && range.start.character === range.end.character;
}

/** Removes the longest whitespace prefix shared by all non-blank lines (like Python's textwrap.dedent). */
export function dedentLines(lines: readonly string[]): string[] {
    let common: string | undefined;
    for (const line of lines) {
        if (isBlank(line)) continue;
        const indent = leadingWhitespace(line);
        if (common === undefined) {
            common = indent;
            continue;
        }
        let shared = 0;
        while (shared < common.length && shared < indent.length && common[shared] === indent[shared]) shared++;
        common = common.slice(0, shared);
    }
    const prefix = common ?? "";
    return lines.map((line) => (isBlank(line) ? "" : line.slice(prefix.length)));
}

function linesOf(document: DocumentSnapshot, startLine: number, endLine: number): string[] {
    const lines: string[] = [];
    for (let line = startLine; line <= endLine; line++) lines.push(document.lineAt(line));
    return lines;
}

function selectionSource(document: DocumentSnapshot, selection: Range): ExplainSource | undefined {
    const { start } = selection;
    let { end } = selection;
    // A selection of whole lines ends at column 0 of the next line: that line is not part of it.
    if (end.line > start.line && end.character === 0) {
        end = { line: end.line - 1, character: document.lineAt(end.line - 1).length };
    }
    const lines = linesOf(document, start.line, end.line);
    const last = lines.length - 1;
    lines[last] = lines[last].slice(0, end.character);
    // Keep the first line's indentation when only whitespace precedes the selection, so that
    // dedenting sees the real structure; otherwise the selection starts mid-line.
    const before = lines[0].slice(0, start.character);
    if (!isBlank(before)) lines[0] = lines[0].slice(start.character);

    const firstCode = lines.findIndex((line) => !isBlank(line));
    if (firstCode < 0) return undefined;
    let lastCode = last;
    while (isBlank(lines[lastCode])) lastCode--;
    return {
        kind: "selection",
        startLine: start.line + firstCode,
        endLine: start.line + lastCode,
        code: dedentLines(lines.slice(firstCode, lastCode + 1)).join("\n"),
    };
}

function windowSource(document: DocumentSnapshot, line: number): ExplainSource | undefined {
    let startLine = Math.max(0, line - CURSOR_WINDOW_RADIUS);
    let endLine = Math.min(document.lineCount - 1, line + CURSOR_WINDOW_RADIUS);
    while (startLine <= endLine && isBlank(document.lineAt(startLine))) startLine++;
    while (endLine >= startLine && isBlank(document.lineAt(endLine))) endLine--;
    if (startLine > endLine) return undefined;
    return { kind: "window", startLine, endLine, code: dedentLines(linesOf(document, startLine, endLine)).join("\n") };
}

/**
 * The code to explain. `selection` is the editor's selection (an empty one counts as none).
 * Undefined when there is nothing to explain (an empty or blank document).
 */
export function selectExplainSource(
    document: DocumentSnapshot,
    cursor: Position,
    selection?: Range,
): ExplainSource | undefined {
    if (document.lineCount === 0) return undefined;
    if (selection !== undefined && !isEmptyRange(selection)) {
        const fromSelection = selectionSource(document, selection);
        if (fromSelection !== undefined) return fromSelection;
    }
    const line = Math.max(0, Math.min(cursor.line, document.lineCount - 1));
    const block = findEnclosingBlock(document, line);
    if (block !== undefined) {
        return {
            kind: block.kind,
            name: block.name,
            startLine: block.startLine,
            endLine: block.endLine,
            code: dedentLines(linesOf(document, block.startLine, block.endLine)).join("\n"),
        };
    }
    return windowSource(document, line);
}
