// The one lexical scanner of Python text in the project: it tells code from string literals and
// comments, so that brackets, quotes and keywords are only seen where Python sees them. Everything
// that needs "is this character code?" (bracket balance, lines inside docstrings, where a statement
// ends, the benchmark's typist and checker) walks text through here.
//
// What it knows, as Python's tokenizer does:
//  - comments run from `#` to the end of the line;
//  - strings open with ' " ''' or """ (any prefix such as r, b, f, rb: the prefix letters are code
//    and change nothing here); a backslash always escapes the next character, also in raw strings,
//    where `r"\""` is still one string, and a backslash before a newline continues a one-quote string;
//  - a one-quote string ends at an unescaped line end (it is unterminated: the parser's business);
//  - f-strings are scanned as strings: brackets and quotes of another kind inside `{...}` are part of
//    the string (Python 3.12's reuse of the same quote inside a replacement field is not followed).

export type TripleQuote = "'''" | '"""';
export type StringQuote = "'" | '"' | TripleQuote;

export interface PythonScanVisitor {
    /** A character of code (outside strings and comments) at `index`. Returning false ends the scan. */
    readonly code?: (char: string, index: number) => boolean | void;
    /** The string literal that was open ends with the quote starting at `index`; `openedBefore`: it was open when the text started. */
    readonly stringClosed?: (index: number, openedBefore: boolean) => void;
    /** A comment starts with the `#` at `index`. */
    readonly comment?: (index: number) => void;
}

export interface PythonScanEnd {
    /** The quote of a string literal still open where the scan ended, if any. */
    readonly openQuote: StringQuote | undefined;
    /** The scan ended inside a comment. */
    readonly inComment: boolean;
    /** Index the scan stopped at: the text's length, or where `code` returned false. */
    readonly end: number;
}

/**
 * Scans `text` from `from` (default 0) to its end. `quoteAtStart`: the text starts inside a string
 * literal opened with that quote (e.g. the next line of a docstring).
 */
export function scanPython(text: string, visitor: PythonScanVisitor = {}, quoteAtStart?: StringQuote, from = 0): PythonScanEnd {
    let quote = quoteAtStart;
    let quoteOpenedBefore = quote !== undefined;
    let inComment = false;
    for (let index = from; index < text.length; index++) {
        const char = text[index]!;
        if (char === "\n" && (inComment || quote?.length === 1)) {
            // The line end ends a comment or an unterminated one-quote string, and is code again.
            inComment = false;
            quote = undefined;
            quoteOpenedBefore = false;
            if (visitor.code?.(char, index) === false) return { openQuote: quote, inComment, end: index };
        } else if (inComment) {
            continue;
        } else if (quote !== undefined) {
            if (char === "\\") {
                index++;
            } else if (text.startsWith(quote, index)) {
                visitor.stringClosed?.(index, quoteOpenedBefore);
                index += quote.length - 1;
                quote = undefined;
                quoteOpenedBefore = false;
            }
        } else if (char === "#") {
            inComment = true;
            visitor.comment?.(index);
        } else if (char === "'" || char === "\"") {
            quote = (text.startsWith(char.repeat(3), index) ? char.repeat(3) : char) as StringQuote;
            index += quote.length - 1;
        } else if (visitor.code?.(char, index) === false) {
            return { openQuote: quote, inComment, end: index };
        }
    }
    return { openQuote: quote, inComment, end: text.length };
}

/** The triple quote of a string open at `end` of a line's scan (a one-quote string ends with its line). */
export function tripleQuoteOf(end: PythonScanEnd): TripleQuote | undefined {
    return end.openQuote === "'''" || end.openQuote === '"""' ? end.openQuote : undefined;
}

/** The triple quote still open at the end of `line`, which starts inside `quoteAtStart` (if given). */
export function tripleQuoteOpenAfter(line: string, quoteAtStart?: TripleQuote): TripleQuote | undefined {
    return tripleQuoteOf(scanPython(line, {}, quoteAtStart));
}

/** The line without its comment (a `#` in a string is text, not a comment). */
export function withoutComment(line: string): string {
    let start = -1;
    scanPython(line, {
        comment: (index) => {
            if (start < 0) start = index;
        },
    });
    return start < 0 ? line : line.slice(0, start);
}
