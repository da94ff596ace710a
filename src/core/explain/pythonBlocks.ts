// Finds the Python function or class around a line, from indentation alone.
//
// Why indentation and not a parser: the explain command runs on whatever the user has open,
// including code that does not parse yet, and Python's block structure is its indentation.
// Lines inside triple-quoted strings are skipped, because a docstring or SQL text at column 0
// would otherwise look like the end of the block.
import { indentWidth, isBlank } from "../completion/indentation";
import type { DocumentSnapshot } from "../types";

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
/** Columns a tab advances to, as Python counts them (multiples of 8). */
const PYTHON_TAB_STOP = 8;

/** Leading-whitespace width, tabs to Python's tab stops. */
function pythonIndentWidth(line: string): number {
    return indentWidth(line, PYTHON_TAB_STOP);
}

/**
 * For each line, whether it starts inside a triple-quoted string. A small scanner: it knows
 * comments, single-line strings (with escapes) and the two triple quotes, which is what decides
 * where a multi-line string starts and ends.
 */
export function linesStartingInsideString(document: DocumentSnapshot): boolean[] {
    const result: boolean[] = new Array<boolean>(document.lineCount).fill(false);
    let openTriple: string | undefined;
    for (let lineIndex = 0; lineIndex < document.lineCount; lineIndex++) {
        result[lineIndex] = openTriple !== undefined;
        const line = document.lineAt(lineIndex);
        let i = 0;
        while (i < line.length) {
            if (openTriple !== undefined) {
                if (line[i] === "\\") {
                    i += 2;
                    continue;
                }
                if (line.startsWith(openTriple, i)) {
                    i += 3;
                    openTriple = undefined;
                    continue;
                }
                i++;
                continue;
            }
            const char = line[i];
            if (char === "#") break;
            if (char === '"' || char === "'") {
                const triple = char.repeat(3);
                if (line.startsWith(triple, i)) {
                    openTriple = triple;
                    i += 3;
                    continue;
                }
                // A one-line string: skip to its closing quote (or the end of the line).
                i++;
                while (i < line.length && line[i] !== char) i += line[i] === "\\" ? 2 : 1;
                i++;
                continue;
            }
            i++;
        }
    }
    return result;
}

/** Net change in open brackets on a line, ignoring strings and comments (good enough for signatures). */
function bracketDelta(line: string): number {
    let delta = 0;
    let quote: string | undefined;
    for (let i = 0; i < line.length; i++) {
        const char = line[i];
        if (quote !== undefined) {
            if (char === "\\") i++;
            else if (char === quote) quote = undefined;
            continue;
        }
        if (char === "#") break;
        if (char === '"' || char === "'") quote = char;
        else if (char === "(" || char === "[" || char === "{") delta++;
        else if (char === ")" || char === "]" || char === "}") delta--;
    }
    return delta;
}

/** Last line of a `def`/`class` header, which may span lines (`def f(\n    a,\n):`). */
function signatureEndLine(document: DocumentSnapshot, headerLine: number): number {
    let depth = 0;
    const last = Math.min(document.lineCount - 1, headerLine + MAX_SIGNATURE_LINES);
    for (let line = headerLine; line <= last; line++) {
        depth += bracketDelta(document.lineAt(line));
        if (depth <= 0) return line;
    }
    return headerLine;
}

function blockAt(document: DocumentSnapshot, headerLine: number, insideString: readonly boolean[]): PythonBlock {
    const header = document.lineAt(headerLine);
    const match = HEADER.exec(header);
    const kind: PythonBlockKind = /^[ \t]*class\b/.test(header) ? "class" : "function";
    const headerIndent = pythonIndentWidth(header);

    let startLine = headerLine;
    while (startLine > 0) {
        const above = document.lineAt(startLine - 1);
        if (!DECORATOR.test(above) || pythonIndentWidth(above) !== headerIndent || insideString[startLine - 1]) break;
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
        if (pythonIndentWidth(text) <= headerIndent) break;
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

    let threshold = insideString[start] ? Number.POSITIVE_INFINITY : pythonIndentWidth(document.lineAt(start));
    for (let i = start - 1; i >= 0 && threshold > 0; i--) {
        const text = document.lineAt(i);
        if (insideString[i] || isBlank(text)) continue;
        const indent = pythonIndentWidth(text);
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
