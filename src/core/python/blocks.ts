// Finds the Python function or class around a line, from indentation alone.
//
// Why indentation and not a parser: the explain command runs on whatever the user has open,
// including code that does not parse yet, and Python's block structure is its indentation.
// Lines inside triple-quoted strings are skipped, because a docstring or SQL text at column 0
// would otherwise look like the end of the block.
import type { DocumentSnapshot } from "../types";
import { bracketDepthChange } from "./brackets";
import { indentWidth, isBlank, tabSizeOf } from "./indentation";
import { linesStartingInsideString } from "./statementLines";

export type PythonBlockKind = "function" | "class";

export interface PythonBlock {
    readonly kind: PythonBlockKind;
    readonly name: string;
    /** First line of the block, including its decorators (zero-based). */
    readonly startLine: number;
    /** Line of the `def` / `class` keyword. */
    readonly headerLine: number;
    /** Last non-blank line of the block (inclusive). */
    readonly endLine: number;
}

const HEADER = /^[ \t]*(?:async[ \t]+def|def|class)[ \t]+([A-Za-z_][A-Za-z0-9_]*)/;
const DECORATOR = /^[ \t]*@/;
/** A signature longer than this is not a signature we can trust; stop looking for its colon. */
const MAX_SIGNATURE_LINES = 60;
/** Last line of a `def`/`class` header, which may span lines (`def f(\n    a,\n):`). */
function signatureEndLine(document: DocumentSnapshot, headerLine: number): number {
    let depth = 0;
    const last = Math.min(document.lineCount - 1, headerLine + MAX_SIGNATURE_LINES);
    for (let line = headerLine; line <= last; line++) {
        depth += bracketDepthChange(document.lineAt(line));
        if (depth <= 0) return line;
    }
    return headerLine;
}

function blockAt(document: DocumentSnapshot, headerLine: number, insideString: readonly boolean[]): PythonBlock {
    const tabSize = tabSizeOf(document);
    const header = document.lineAt(headerLine);
    const match = HEADER.exec(header);
    const kind: PythonBlockKind = /^[ \t]*class\b/.test(header) ? "class" : "function";
    const headerIndent = indentWidth(header, tabSize);

    let startLine = headerLine;
    while (startLine > 0) {
        const above = document.lineAt(startLine - 1);
        if (!DECORATOR.test(above) || indentWidth(above, tabSize) !== headerIndent || insideString[startLine - 1]) break;
        startLine--;
    }

    let endLine = signatureEndLine(document, headerLine);
    for (let line = endLine + 1; line < document.lineCount; line++) {
        const text = document.lineAt(line);
        if (insideString[line]) {
            endLine = line;
            continue;
        }
        if (isBlank(text)) continue;
        if (indentWidth(text, tabSize) <= headerIndent) break;
        endLine = line;
    }
    return { kind, name: match?.[1] ?? "", startLine, headerLine, endLine };
}

/** Nearest non-blank line at or above `line`, else at or below it; undefined for a blank document. */
function nearestCodeLine(document: DocumentSnapshot, line: number, insideString: readonly boolean[]): number | undefined {
    for (let i = line; i >= 0; i--) if (!isBlank(document.lineAt(i)) || insideString[i]) return i;
    for (let i = line + 1; i < document.lineCount; i++) if (!isBlank(document.lineAt(i)) || insideString[i]) return i;
    return undefined;
}

/**
 * The innermost function or class containing `line`: walking up, the first `def`/`class` header
 * indented less than every line between it and the cursor. On a decorator line, the decorated
 * definition below. Undefined at module level.
 */
export function findEnclosingBlock(document: DocumentSnapshot, line: number): PythonBlock | undefined {
    if (document.lineCount === 0) return undefined;
    const clamped = Math.max(0, Math.min(line, document.lineCount - 1));
    const insideString = linesStartingInsideString(document);
    const tabSize = tabSizeOf(document);

    const cursorText = document.lineAt(clamped);
    if (DECORATOR.test(cursorText) && !insideString[clamped]) {
        for (let below = clamped + 1; below < document.lineCount; below++) {
            const text = document.lineAt(below);
            if (DECORATOR.test(text) || isBlank(text)) continue;
            if (HEADER.test(text)) return blockAt(document, below, insideString);
            break;
        }
    }

    const start = nearestCodeLine(document, clamped, insideString);
    if (start === undefined) return undefined;
    if (!insideString[start] && HEADER.test(document.lineAt(start))) return blockAt(document, start, insideString);

    let threshold = insideString[start] ? Number.POSITIVE_INFINITY : indentWidth(document.lineAt(start), tabSize);
    for (let i = start - 1; i >= 0 && threshold > 0; i--) {
        const text = document.lineAt(i);
        if (insideString[i] || isBlank(text)) continue;
        const indent = indentWidth(text, tabSize);
        if (indent >= threshold) continue;
        if (HEADER.test(text)) {
            const block = blockAt(document, i, insideString);
            // A header above, indented less, whose body ended before the cursor (e.g. the cursor sits
            // in a multi-line expression at module level) does not contain it.
            if (block.endLine >= start) return block;
        }
        threshold = indent;
    }
    return undefined;
}
