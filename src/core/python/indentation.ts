// Measuring and rewriting Python indentation (leading spaces and tabs).
import type { DocumentSnapshot } from "../types";

/** Columns per tab when a document does not say (VS Code's default). */
const DEFAULT_TAB_SIZE = 4;

/**
 * The one tab rule for block structure: the document's tab size, as the editor shows it. Code
 * Python accepts mixes tabs and spaces only where every tab size gives the same blocks (anything
 * else is a TabError), so the editor's choice never changes where a valid block ends.
 */
export function tabSizeOf(document: DocumentSnapshot): number {
    return document.indent?.tabSize ?? DEFAULT_TAB_SIZE;
}

/** The leading whitespace of a line. */
export function leadingWhitespace(line: string): string {
    let end = 0;
    while (end < line.length && (line.charCodeAt(end) === 32 || line.charCodeAt(end) === 9)) end++;
    return line.slice(0, end);
}

/** Visual width of a line's indentation, a tab advancing to the next multiple of tabSize. */
export function indentWidth(line: string, tabSize: number): number {
    let width = 0;
    for (let i = 0; i < line.length; i++) {
        const code = line.charCodeAt(i);
        if (code === 32) width++;
        else if (code === 9) width += tabSize - (width % tabSize);
        else break;
    }
    return width;
}

export function isBlank(line: string): boolean {
    return line.trim().length === 0;
}

/**
 * Rewrites a line's indentation to the document's style: tabs become tabSize spaces when the
 * document indents with spaces; whole groups of tabSize spaces become tabs when it uses tabs.
 */
export function reindentLine(line: string, insertSpaces: boolean, tabSize: number): string {
    const indent = leadingWhitespace(line);
    if (indent.length === 0) return line;
    const width = indentWidth(indent, tabSize);
    const rewritten = insertSpaces
        ? " ".repeat(width)
        : "\t".repeat(Math.floor(width / tabSize)) + " ".repeat(width % tabSize);
    return rewritten + line.slice(indent.length);
}
