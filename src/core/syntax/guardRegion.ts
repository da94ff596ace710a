// The region around the cursor the syntax guard parses: the innermost def or class block, bounded
// in lines so that the cost does not grow with the file, found from indentation and the Python
// scanner's docstring lines (the parser only sees the region). The verdict is syntaxGuard.ts.
import type { DocumentSnapshot, Position } from "../types";
import { indentWidth, isBlank, tabSizeOf } from "../python/indentation";
import { linesStartingInsideStringAbove } from "../python/statementLines";

/**
 * Lines above the cursor line the guard parses at most. A suggestion can only change how its own
 * statement and the code after it parse; the lines above give that statement its context (the
 * enclosing def, an open bracket, a docstring), and 50 cover nearly every statement. Parse time
 * grows with the text (a fresh parse of ~70 lines of the standard library took ~1 ms on a loaded
 * 2-core machine, an incremental one ~0.2 ms), so the region, not the file, sets the cost.
 */
export const GUARD_LINES_BEFORE = 50;
/**
 * Lines below the cursor line parsed at most: enough to see a suggestion swallow or break the next
 * statements (an unclosed bracket or string, a wrong indentation); after a broken suggestion the
 * parser re-reads everything after it, so this part is kept short.
 */
export const GUARD_LINES_AFTER = 10;

/**
 * Non-blank lines kept after the end of the region's block: a suggestion that leaves a bracket or
 * string open breaks the code after the block, and the parse must see some of it to tell.
 */
const LINES_BEYOND_BLOCK = 3;

/** Starts a def or class block: the innermost one around the cursor bounds the region. */
const BLOCK_HEADER = /^(?:async\s+def|def|class)\b/;
/** Clauses that continue a compound statement begun above (cannot start a region). */
const CONTINUES_COMPOUND = /^(?:else|elif|except|finally)\b/;
/** First characters of a line that continues an expression or string from the line above. */
const CONTINUATION_START = /^[)\]}.,+\-*/%&|^<>=!~:"'`\\]/;
/** Line ends after which the next line continues the same statement. */
const OPEN_LINE_END = /[\\,([{]$/;

export interface GuardRegion {
    /** Source from the region's first line to the cursor. */
    readonly before: string;
    /** Source from the cursor to the end of the region's last line. */
    readonly after: string;
    /** First line of the region. */
    readonly startLine: number;
    /** Line after the region's last line. */
    readonly endLine: number;
}

/**
 * The source the guard parses, split at the cursor: the innermost def or class block around the
 * cursor (with its decorators), or, when its header is more than GUARD_LINES_BEFORE lines up, the
 * outermost statement start within that many lines; down to the end of that block, at most
 * GUARD_LINES_AFTER lines below the cursor. The cost does not grow with the file or the class.
 */
export function enclosingBlockSource(document: DocumentSnapshot, position: Position): GuardRegion {
    const tabSize = tabSizeOf(document);
    const cursorLine = position.line;
    const line = document.lineAt(cursorLine);
    const textBeforeCursor = line.slice(0, position.character);
    let start = cursorLine;
    let startIndent = indentWidth(line, tabSize);
    let startsBlock = false;
    /** Lines after `start` up to this one are left out (the middle of a long literal). */
    let resumeAt: number | undefined;
    if (!isBlank(textBeforeCursor) && BLOCK_HEADER.test(line.trimStart())) {
        startsBlock = true; // the cursor is in a def or class header: that block
    } else {
        // The indentation a statement above needs to hold the cursor's statement (or be beside it).
        let level = isBlank(textBeforeCursor) ? indentWidth(textBeforeCursor, tabSize) : startIndent;
        startIndent = level;
        const lowest = Math.max(0, cursorLine - GUARD_LINES_BEFORE);
        // A line inside a docstring may look like a statement: it is not one. The cursor is in code.
        const insideString = linesStartingInsideStringAbove(document, lowest, cursorLine, textBeforeCursor);
        for (let index = cursorLine - 1; index >= lowest; index--) {
            const text = document.lineAt(index);
            const code = text.trimStart();
            if (code.length === 0 || code.startsWith("#") || insideString[index]) continue;
            const width = indentWidth(text, tabSize);
            if (width > level || !startsStatement(document, index, code)) continue;
            if (width < level && BLOCK_HEADER.test(code)) {
                start = index;
                startIndent = width;
                startsBlock = true;
                break;
            }
            if (!CONTINUES_COMPOUND.test(code)) {
                start = index;
                startIndent = width;
            }
            level = width;
        }
        if (start === cursorLine && !startsStatement(document, cursorLine, line.trimStart())) {
            const literal = longLiteralContext(document, cursorLine, lowest, level, tabSize);
            if (literal) {
                start = literal.statementLine;
                resumeAt = literal.resumeAt;
                startIndent = indentWidth(document.lineAt(start), tabSize);
            }
        }
    }
    if (startsBlock) {
        const lowest = Math.max(0, cursorLine - GUARD_LINES_BEFORE);
        while (start > lowest && document.lineAt(start - 1).trimStart().startsWith("@")) start--;
    }
    let end = cursorLine + 1;
    const highest = Math.min(document.lineCount, cursorLine + 1 + GUARD_LINES_AFTER);
    let linesBeyondBlock = -1; // counts the lines taken after the block ended
    for (; end < highest; end++) {
        const text = document.lineAt(end);
        const code = text.trimStart();
        if (code.length === 0 || code.startsWith("#")) continue;
        if (linesBeyondBlock >= 0) {
            if (++linesBeyondBlock > LINES_BEYOND_BLOCK) break;
            continue;
        }
        const width = indentWidth(text, tabSize);
        // Below the region's first line, or the next statement beside the def or class: the block
        // has ended. A few lines after it stay: an unclosed bracket or string would swallow them.
        const blockEnded = width < startIndent
            || (startsBlock && width === startIndent && !CONTINUES_COMPOUND.test(code) && startsStatement(document, end, code));
        if (blockEnded) linesBeyondBlock = 1;
    }
    const beforeLines: string[] = [];
    if (start < cursorLine) beforeLines.push(document.lineAt(start));
    for (let index = resumeAt ?? start + 1; index < cursorLine; index++) beforeLines.push(document.lineAt(index));
    beforeLines.push(textBeforeCursor);
    const afterLines: string[] = [line.slice(position.character)];
    for (let index = cursorLine + 1; index < end; index++) afterLines.push(document.lineAt(index));
    return { before: beforeLines.join("\n"), after: afterLines.join("\n"), startLine: start, endLine: end };
}

/** Lines scanned (text only, not parsed) above the region for the statement a long literal belongs to. */
const LITERAL_SCAN_LINES = 2000;

/**
 * The cursor is deep in a bracketed literal (a table of hundreds of lines, each an item ending in
 * a comma) and no statement starts within GUARD_LINES_BEFORE lines: the region is the statement's
 * first line (`TABLE = {`) followed by the items from the first whole one within reach. Leaving
 * out whole items keeps the literal valid, so the region parses as it does in the file.
 */
function longLiteralContext(document: DocumentSnapshot, cursorLine: number, lowest: number, level: number, tabSize: number): { statementLine: number; resumeAt: number } | undefined {
    let resumeAt = -1;
    for (let index = Math.max(1, lowest); index <= cursorLine; index++) {
        if (document.lineAt(index - 1).trimEnd().endsWith(",")) {
            resumeAt = index;
            break;
        }
    }
    if (resumeAt < 0) return undefined;
    const highestScanned = Math.max(0, cursorLine - LITERAL_SCAN_LINES);
    for (let index = lowest - 1; index >= highestScanned; index--) {
        const text = document.lineAt(index);
        const code = text.trimStart();
        if (code.length === 0 || code.startsWith("#")) continue;
        if (indentWidth(text, tabSize) <= level && startsStatement(document, index, code) && !CONTINUES_COMPOUND.test(code)) {
            return { statementLine: index, resumeAt };
        }
    }
    return undefined;
}

/** Whether a non-blank line (`code`: without its indentation) starts a statement rather than continuing one. */
function startsStatement(document: DocumentSnapshot, index: number, code: string): boolean {
    if (CONTINUATION_START.test(code)) return false;
    if (index === 0) return true;
    return !OPEN_LINE_END.test(document.lineAt(index - 1).trimEnd());
}
