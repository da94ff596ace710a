// The file header: leading comments, the module docstring and the import block. It stays at the
// start of the prompt when the prefix window moves down a long file, because it says which names
// the code below uses (and it never changes while the user types further down, so it stays cached).
import type { DocumentSnapshot } from "../types";

/** Lines scanned for a header at most: a header longer than this is not a header but code. */
export const MAX_HEADER_SCAN_LINES = 120;

const TRIPLE_QUOTE = /^[rRuUbBfF]{0,2}("""|''')/;
const IMPORT_LINE = /^(import\s|from\s+\S+\s+import\b)/;

/**
 * End (exclusive) of the file header: the line after the last import or module-docstring line
 * among the leading lines that are only comments, blank lines, a docstring and imports.
 * 0 when the file starts with code.
 */
export function detectFileHeaderEnd(document: DocumentSnapshot, maxLines = MAX_HEADER_SCAN_LINES): number {
    const limit = Math.min(document.lineCount, maxLines);
    let headerEnd = 0;
    let sawStatement = false;
    let line = 0;
    while (line < limit) {
        const text = document.lineAt(line);
        const trimmed = text.trim();
        if (trimmed.length === 0 || trimmed.startsWith("#")) {
            line++;
            continue;
        }
        if (text !== text.trimStart()) break; // indented code is not a header
        const quote = TRIPLE_QUOTE.exec(trimmed);
        if (quote && !sawStatement) {
            // The module docstring: only as the first statement.
            const end = findTripleQuoteEnd(document, line, quote.index + quote[0].length, quote[1], limit);
            if (end < 0) break;
            sawStatement = true;
            line = end + 1;
            headerEnd = line;
            continue;
        }
        if (IMPORT_LINE.test(trimmed)) {
            const end = findStatementEnd(document, line, limit);
            if (end < 0) break;
            sawStatement = true;
            line = end + 1;
            headerEnd = line;
            continue;
        }
        break;
    }
    return headerEnd;
}

/** Line holding the closing triple quote of a string opened on `startLine`, or -1 past `limit`. */
function findTripleQuoteEnd(document: DocumentSnapshot, startLine: number, afterQuote: number, quote: string, limit: number): number {
    const first = document.lineAt(startLine).trim();
    if (first.indexOf(quote, afterQuote) >= 0) return startLine;
    for (let line = startLine + 1; line < limit; line++) {
        if (document.lineAt(line).includes(quote)) return line;
    }
    return -1;
}

/** Last line of an import statement (parenthesised or backslash-continued), or -1 past `limit`. */
function findStatementEnd(document: DocumentSnapshot, startLine: number, limit: number): number {
    let depth = 0;
    for (let line = startLine; line < limit; line++) {
        const text = document.lineAt(line);
        for (const char of text) {
            if (char === "(") depth++;
            else if (char === ")") depth--;
            else if (char === "#") break;
        }
        if (depth <= 0 && !text.trimEnd().endsWith("\\")) return line;
    }
    return -1;
}
