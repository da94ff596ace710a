// The file header: leading comments, the module docstring and the import block. It stays at the
// start of the prompt when the prefix window moves down a long file, because it says which names
// the code below uses (and it never changes while the user types further down, so it stays cached).
import { startsImport } from "../python/imports";
import { statementEndLine } from "../python/statementLines";
import type { DocumentSnapshot } from "../types";

/** Lines scanned for a header at most: a header longer than this is not a header but code. */
export const MAX_HEADER_SCAN_LINES = 120;

const TRIPLE_QUOTE = /^[rRuUbBfF]{0,2}("""|''')/;

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
        // The module docstring (only as the first statement), and imports.
        if ((TRIPLE_QUOTE.test(trimmed) && !sawStatement) || startsImport(trimmed)) {
            const end = statementEndLine(document, line, limit);
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
