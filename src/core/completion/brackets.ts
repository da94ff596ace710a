// Bracket and string-literal scanning of Python text, as far as one piece of text shows them: which
// brackets it opens and leaves open, where it first closes one it did not open, and whether it ends
// inside a string. Used to cut suggestions (post-processing and the syntax guard's candidates);
// the parser has the last word.

export interface BracketScan {
    /**
     * Index of the first closer of something opened before the text (a bracket, or the string the
     * text started in), or -1.
     */
    readonly firstForeignCloser: number;
    /** Closers the text's own unclosed brackets expect, innermost last. */
    readonly unclosed: readonly string[];
    /** The quote (`'`, `"`, `'''` or `"""`) of a string literal open at the end of the text, if any. */
    readonly openQuote: string | undefined;
}

const CLOSER_OF: Readonly<Record<string, string>> = { "(": ")", "[": "]", "{": "}" };
const CLOSING_BRACKETS = new Set([")", "]", "}"]);

/**
 * Scans `text` left to right. `quoteAtStart`: the text starts inside a string literal opened with
 * that quote. Comments end at the line end; a single-quoted string ends at a line end too (the
 * text is unfinished there, which is the parser's business). A mismatched closer is ignored.
 */
export function scanBrackets(text: string, quoteAtStart?: string): BracketScan {
    const unclosed: string[] = [];
    let firstForeignCloser = -1;
    let quote = quoteAtStart;
    let quoteIsForeign = quote !== undefined;
    for (let index = 0; index < text.length; index++) {
        const char = text[index]!;
        if (quote !== undefined) {
            if (char === "\\") {
                index++;
            } else if (char === "\n" && quote.length === 1) {
                quote = undefined;
                quoteIsForeign = false;
            } else if (text.startsWith(quote, index)) {
                if (quoteIsForeign && firstForeignCloser < 0) firstForeignCloser = index;
                index += quote.length - 1;
                quote = undefined;
                quoteIsForeign = false;
            }
        } else if (char === "#") {
            const newline = text.indexOf("\n", index);
            if (newline < 0) break;
            index = newline;
        } else if (char === "'" || char === "\"") {
            quote = text.startsWith(char.repeat(3), index) ? char.repeat(3) : char;
            index += quote.length - 1;
        } else if (CLOSER_OF[char] !== undefined) {
            unclosed.push(CLOSER_OF[char]);
        } else if (CLOSING_BRACKETS.has(char)) {
            if (unclosed.length === 0) {
                if (firstForeignCloser < 0) firstForeignCloser = index;
            } else if (unclosed[unclosed.length - 1] === char) {
                unclosed.pop();
            }
        }
    }
    return { firstForeignCloser, unclosed, openQuote: quote };
}
