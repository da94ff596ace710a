// Bracket and string-literal scanning of Python text, as far as one piece of text shows them: which
// brackets it opens and leaves open, where it first closes one it did not open, and whether it ends
// inside a string. Used to cut suggestions (post-processing and the syntax guard's candidates);
// the parser has the last word.
import { scanPython, type StringQuote } from "./pythonScanner";

export interface BracketScan {
    /**
     * Index of the first closer of something opened before the text (a bracket, or the string the
     * text started in), or -1.
     */
    readonly firstForeignCloser: number;
    /** Closers the text's own unclosed brackets expect, innermost last. */
    readonly unclosed: readonly string[];
    /** The quote (`'`, `"`, `'''` or `"""`) of a string literal open at the end of the text, if any. */
    readonly openQuote: StringQuote | undefined;
}

const CLOSER_OF: Readonly<Record<string, string>> = { "(": ")", "[": "]", "{": "}" };
const CLOSING_BRACKETS = new Set([")", "]", "}"]);

/**
 * Scans `text` left to right (pythonScanner.ts). `quoteAtStart`: the text starts inside a string
 * literal opened with that quote. A mismatched closer is ignored.
 */
export function scanBrackets(text: string, quoteAtStart?: StringQuote): BracketScan {
    const unclosed: string[] = [];
    let firstForeignCloser = -1;
    const foreignCloser = (index: number): void => {
        if (firstForeignCloser < 0) firstForeignCloser = index;
    };
    const { openQuote } = scanPython(text, {
        stringClosed: (index, openedBefore) => {
            if (openedBefore) foreignCloser(index);
        },
        code: (char, index) => {
            if (CLOSER_OF[char] !== undefined) unclosed.push(CLOSER_OF[char]);
            else if (!CLOSING_BRACKETS.has(char)) return;
            else if (unclosed.length === 0) foreignCloser(index);
            else if (unclosed[unclosed.length - 1] === char) unclosed.pop();
        },
    }, quoteAtStart);
    return { firstForeignCloser, unclosed, openQuote };
}

/** Net change in open brackets over `text` (openers minus closers, in code only). */
export function bracketDepthChange(text: string, quoteAtStart?: StringQuote): number {
    let delta = 0;
    scanPython(text, {
        code: (char) => {
            if (CLOSER_OF[char] !== undefined) delta++;
            else if (CLOSING_BRACKETS.has(char)) delta--;
        },
    }, quoteAtStart);
    return delta;
}
