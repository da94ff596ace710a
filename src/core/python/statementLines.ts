// Python's line structure as far as the scanner shows it: which lines start inside a triple-quoted
// string (a docstring's or SQL text's lines must not be read as code), and on which line a
// statement that spans lines (brackets, backslashes, a docstring) ends.
import type { DocumentSnapshot } from "../types";
import { bracketDepthChange } from "./brackets";
import { scanPython, tripleQuoteOf, tripleQuoteOpenAfter, type TripleQuote } from "./pythonScanner";

/**
 * For each line of `document` from `from` to `to` (exclusive), whether it starts inside a
 * triple-quoted string, assuming line `from` starts outside one. Indexed by document line.
 */
export function linesStartingInsideString(document: DocumentSnapshot, from = 0, to = document.lineCount): boolean[] {
    return scanLines(document, from, to, undefined).insideString;
}

/**
 * The same for the lines above a place in code (the cursor of a completion, `textBeforePlace` being
 * its line up to it), when line `from` may itself be inside a docstring begun further up: the scan
 * starts outside a string, or inside one, whichever leaves the place in code.
 */
export function linesStartingInsideStringAbove(document: DocumentSnapshot, from: number, to: number, textBeforePlace: string): boolean[] {
    let first: boolean[] | undefined;
    for (const quoteAtStart of [undefined, '"""', "'''"] as const) {
        const scan = scanLines(document, from, to, quoteAtStart);
        if (tripleQuoteOpenAfter(textBeforePlace, scan.openAtEnd) === undefined) return scan.insideString;
        first ??= scan.insideString;
    }
    return first!;
}

function scanLines(document: DocumentSnapshot, from: number, to: number, quoteAtStart: TripleQuote | undefined): { insideString: boolean[]; openAtEnd: TripleQuote | undefined } {
    const insideString: boolean[] = new Array<boolean>(to).fill(false);
    let openTriple = quoteAtStart;
    for (let line = from; line < to; line++) {
        insideString[line] = openTriple !== undefined;
        openTriple = tripleQuoteOpenAfter(document.lineAt(line), openTriple);
    }
    return { insideString, openAtEnd: openTriple };
}

/**
 * Last line of the statement that starts on `startLine`: the first line after which no bracket and
 * no triple-quoted string is open and that does not end in a backslash. -1 when it runs to `limit`.
 */
export function statementEndLine(document: DocumentSnapshot, startLine: number, limit: number): number {
    let depth = 0;
    let openTriple: TripleQuote | undefined;
    for (let line = startLine; line < limit; line++) {
        const text = document.lineAt(line);
        depth += bracketDepthChange(text, openTriple);
        const end = scanPython(text, {}, openTriple);
        openTriple = tripleQuoteOf(end);
        const continued = !end.inComment && openTriple === undefined && text.trimEnd().endsWith("\\");
        if (depth <= 0 && openTriple === undefined && !continued) return line;
    }
    return -1;
}
