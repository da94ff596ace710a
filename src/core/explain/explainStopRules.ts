// Stop rules for Phi-2's habit of writing on after it has answered: `<|endoftext|>` and then
// unrelated text, a new `Instruct:` / `Exercise` / `Question` block, the same paragraph again.
//
// The filter is fed the raw stream and releases only text that no later rule can cut: the tail
// that might still turn into a stop marker (a partial `<|endo`, a line starting `Exerc`, a
// paragraph that so far repeats an earlier one, trailing whitespace) is held back until the next
// chunk decides it. So the released chunks, concatenated, are exactly the final explanation, and
// the panel never has to take text back.
import { END_OF_TEXT } from "../phi2Vocabulary";

export type ExplainStopRule = "endOfText" | "newBlock" | "repeatedParagraph" | "repeatedLine";

/** Paragraphs shorter than this may repeat legitimately ("For example:", "```"). */
export const MIN_REPEATED_PARAGRAPH_CHARS = 24;
/** A line directly repeating the line before it, at least this long, is a loop. */
export const MIN_REPEATED_LINE_CHARS = 24;

const BLOCK_KEYWORDS = ["Instruct", "Exercise", "Question"] as const;

/**
 * A line that opens a new block: optional Markdown heading or bold, a keyword, an optional number,
 * then a colon or the end of the line (`Exercise 2:`, `## Question`, `**Exercise**`).
 * `Exercises like this...` or `Question whether...` are prose and are kept.
 */
const BLOCK_MARKER = new RegExp(`^[ \\t]*(?:#{1,6}[ \\t]*)?(?:\\*\\*)?(?:${BLOCK_KEYWORDS.join("|")})(?:[ \\t]*\\d+)?[ \\t]*(?:\\*\\*)?[ \\t]*(?::|$)`);

/** Could `partialLine` (a line still being written) still become a block marker? */
export function couldBecomeBlockMarker(partialLine: string): boolean {
    const rest = partialLine.replace(/^[ \t]*(?:#{1,6}[ \t]*)?(?:\*{1,2})?/, "");
    if (rest === "") return /^[ \t]*#{0,6}[ \t]*\*{0,2}$/.test(partialLine);
    for (const keyword of BLOCK_KEYWORDS) {
        if (keyword.startsWith(rest)) return true;
        if (rest.startsWith(keyword)) return /^[ \t]*\d*[ \t]*\*{0,2}[ \t]*$/.test(rest.slice(keyword.length));
    }
    return false;
}

export function isBlockMarker(line: string): boolean {
    return BLOCK_MARKER.test(line);
}

function normalise(text: string): string {
    return text.replace(/\s+/g, " ").trim();
}

interface Cut {
    readonly index: number;
    readonly rule: ExplainStopRule;
}

interface Analysis {
    /** Where the explanation ends, when a rule fired. */
    readonly cut?: Cut;
    /** Text before this index is final (no rule can cut it any more). */
    readonly stableEnd: number;
}

/**
 * Applies all rules to the text so far. `final` means no more text will come: the last line and
 * paragraph are then complete.
 */
export function analyseExplanation(text: string, final: boolean): Analysis {
    let cut: Cut | undefined;
    let holdFrom = text.length;
    const cutAt = (index: number, rule: ExplainStopRule) => {
        if (cut === undefined || index < cut.index) cut = { index, rule };
    };
    // A cut drops the whitespace before it, so that whitespace waits with the held text.
    const hold = (index: number) => {
        holdFrom = Math.min(holdFrom, text.slice(0, index).trimEnd().length);
    };

    const endOfText = text.indexOf(END_OF_TEXT);
    if (endOfText >= 0) cutAt(endOfText, "endOfText");
    else if (!final) {
        // A partial `<|endo` at the end.
        for (let length = Math.min(END_OF_TEXT.length - 1, text.length); length > 0; length--) {
            if (text.endsWith(END_OF_TEXT.slice(0, length))) {
                hold(text.length - length);
                break;
            }
        }
    }

    // Walk lines: block markers, repeated lines, and paragraphs (runs of non-blank lines).
    const seenParagraphs = new Set<string>();
    const longParagraphs: string[] = [];
    let paragraphStart = -1;
    let paragraphLines: string[] = [];
    let previousLine: string | undefined;
    let inFence = false;

    const closeParagraph = (complete: boolean) => {
        if (paragraphStart < 0) return;
        const normalised = normalise(paragraphLines.join("\n"));
        if (normalised.length >= MIN_REPEATED_PARAGRAPH_CHARS) {
            if (complete) {
                if (seenParagraphs.has(normalised)) cutAt(paragraphStart, "repeatedParagraph");
                seenParagraphs.add(normalised);
                longParagraphs.push(normalised);
            } else if (longParagraphs.some((earlier) => earlier.startsWith(normalised))) {
                hold(paragraphStart);
            }
        } else if (!complete && normalised !== "" && longParagraphs.some((earlier) => earlier.startsWith(normalised))) {
            hold(paragraphStart);
        }
        paragraphStart = -1;
        paragraphLines = [];
    };

    let lineStart = 0;
    while (lineStart <= text.length) {
        const newline = text.indexOf("\n", lineStart);
        const complete = newline >= 0 || final;
        const lineEnd = newline >= 0 ? newline : text.length;
        const line = text.slice(lineStart, lineEnd);

        if (cut !== undefined && lineStart >= cut.index) break;

        // In a code block, `# Question: ...` is a Python comment, not a new block.
        const pythonComment = inFence && /^[ \t]*#/.test(line);
        if (!pythonComment) {
            if (complete ? isBlockMarker(line) : BLOCK_MARKER.test(line) && /:/.test(line)) {
                cutAt(lineStart, "newBlock");
                break;
            }
            if (!complete && couldBecomeBlockMarker(line)) hold(lineStart);
        }

        if (/^[ \t]*(```|~~~)/.test(line)) inFence = !inFence;

        if (line.trim() === "") {
            // A blank line closes the paragraph; an empty last line may still be its continuation.
            if (complete) {
                closeParagraph(true);
                previousLine = undefined;
            }
        } else {
            if (paragraphStart < 0) paragraphStart = lineStart;
            paragraphLines.push(line);
            // A line repeating the one before it (outside code, where `pass` twice is fine).
            const trimmed = normalise(line);
            if (!inFence && previousLine !== undefined && previousLine.length >= MIN_REPEATED_LINE_CHARS) {
                if (complete && trimmed === previousLine) cutAt(lineStart, "repeatedLine");
                else if (!complete && previousLine.startsWith(trimmed)) hold(lineStart);
            }
        }
        if (complete && line.trim() !== "") previousLine = inFence ? undefined : normalise(line);

        if (newline < 0) {
            closeParagraph(final);
            break;
        }
        lineStart = newline + 1;
    }

    // Trailing whitespace waits for the next word, so the released text never ends in it.
    const trailing = /\s*$/.exec(text);
    if (!final && trailing !== null) hold(trailing.index);

    return { cut, stableEnd: cut === undefined ? holdFrom : Math.min(holdFrom, cut.index) };
}

/**
 * Feeds on the raw stream (`push`) and releases the clean explanation in append-only chunks.
 * Leading whitespace (Phi-2 starts with a space after `Output:`) is dropped.
 */
export class ExplanationStreamFilter {
    private raw = "";
    private released = 0;
    private stopRule: ExplainStopRule | undefined;
    private finished = false;

    /** The rule that ended the explanation, once one has fired. */
    get stoppedBy(): ExplainStopRule | undefined {
        return this.stopRule;
    }

    get stopped(): boolean {
        return this.stopRule !== undefined;
    }

    /** The clean text released so far. */
    get text(): string {
        return this.body().slice(0, this.released);
    }

    private body(): string {
        return this.raw.replace(/^\s+/, "");
    }

    /** Adds generated text; returns the newly released clean text ("" when all of it is held back). */
    push(chunk: string): string {
        if (this.stopped || this.finished) return "";
        this.raw += chunk;
        return this.release(false);
    }

    /** The stream ended (any reason): releases what was held back unless a rule cuts it. */
    finish(): string {
        if (this.finished) return "";
        const rest = this.stopped ? "" : this.release(true);
        this.finished = true;
        return rest;
    }

    private release(final: boolean): string {
        const body = this.body();
        const analysis = analyseExplanation(body, final);
        let end = analysis.stableEnd;
        if (analysis.cut !== undefined) {
            this.stopRule = analysis.cut.rule;
            // Text before the cut is final; drop the whitespace that led up to the cut.
            end = body.slice(0, analysis.cut.index).trimEnd().length;
        } else if (final) {
            end = body.trimEnd().length;
        }
        if (end <= this.released) return "";
        const chunk = body.slice(this.released, end);
        this.released = end;
        return chunk;
    }
}
