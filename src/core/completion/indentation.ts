// Measuring and rewriting Python indentation (leading spaces and tabs).

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
