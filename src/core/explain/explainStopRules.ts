// Stop rules for Phi-2's habit of writing on after it has answered: `<|endoftext|>` and then
// unrelated text, a new `Instruct:` / `Exercise` / `Question` block, the same paragraph, line or
// sentence again, a phrase looping ("the sum of the sum of the sum of").
//
// The filter is fed the raw stream and releases only text that no later rule can cut: the tail
// that might still turn into a stop marker (a partial `<|endo`, a line starting `Exerc`, a
// paragraph that so far repeats an earlier one, trailing whitespace) is held back until the next
// chunk decides it. So the released chunks, concatenated, are exactly the final explanation, and
// the panel never has to take text back.
import { END_OF_TEXT } from "../phi2Vocabulary";

export type ExplainStopRule = "endOfText" | "newBlock" | "repeatedParagraph" | "repeatedLine" | "repeatedSentence" | "phraseLoop";

/** Paragraphs shorter than this may repeat legitimately ("For example:", "```"). */
export const MIN_REPEATED_PARAGRAPH_CHARS = 24;
/** A line directly repeating the line before it, at least this long, is a loop. */
export const MIN_REPEATED_LINE_CHARS = 24;

/** Sentences shorter than this may repeat legitimately ("It returns None."). */
export const MIN_REPEATED_SENTENCE_CHARS = 24;
/** A phrase of at least this many characters, three times in a row, is a loop ("the sum of "). */
export const MIN_LOOP_PHRASE_CHARS = 10;
/** Longer loops are whole sentences: the sentence rule sees them. */
export const MAX_LOOP_PHRASE_WORDS = 24;

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

    const inCode = codeBlockTest(text);
    const sentence = repeatedSentence(text, final, inCode);
    const phrase = phraseLoop(text, final, inCode);
    if (sentence.cut !== undefined) cutAt(sentence.cut, "repeatedSentence");
    if (phrase.cut !== undefined) cutAt(phrase.cut, "phraseLoop");
    for (const holdFromIndex of [sentence.holdFrom, phrase.holdFrom]) if (holdFromIndex !== undefined) hold(holdFromIndex);

    // Trailing whitespace waits for the next word, so the released text never ends in it.
    const trailing = /\s*$/.exec(text);
    if (!final && trailing !== null) hold(trailing.index);

    return { cut, stableEnd: cut === undefined ? holdFrom : Math.min(holdFrom, cut.index) };
}

/** What one rule says about the text so far: where to cut it, or from where to hold it back. */
export interface RuleVerdict {
    readonly cut?: number;
    readonly holdFrom?: number;
}

/** Whether a text index lies in a fenced code block (code repeats itself legitimately). */
type InCode = (index: number) => boolean;

function codeBlockTest(text: string): InCode {
    const blocks: Array<{ start: number; end: number }> = [];
    let open: number | undefined;
    for (const fence of text.matchAll(/^[ \t]*(?:```|~~~)/gm)) {
        if (open === undefined) open = fence.index;
        else {
            blocks.push({ start: open, end: fence.index + fence[0].length });
            open = undefined;
        }
    }
    if (open !== undefined) blocks.push({ start: open, end: text.length });
    return (index) => blocks.some((block) => index >= block.start && index < block.end);
}

/**
 * A prose sentence (ended by `.`, `!` or `?` and a space, or by a line end) that says again what an
 * earlier sentence of the same paragraph said: Phi-2's loop within a paragraph ("It returns the
 * sum. It adds a and b. It returns the sum."). Cut at its start; an unfinished sentence that so far
 * repeats an earlier one is held back until it completes the repeat or differs. Repeats across
 * paragraphs are the paragraph rule's (a new paragraph may restate a point and go on).
 */
export function repeatedSentence(text: string, final: boolean, inCode: InCode = () => false): RuleVerdict {
    for (const paragraph of text.matchAll(/(?:[^\n]|\n(?![ \t]*(?:\n|$)))+/g)) {
        const seen: string[] = [];
        for (const match of paragraph[0].matchAll(/[^\s][^\n]*?(?:[.!?]+(?=\s)|(?=\n)|$)/g)) {
            const start = paragraph.index + match.index;
            if (inCode(start)) continue;
            const complete = final || start + match[0].length < text.length;
            const sentence = normalise(match[0]);
            if (complete) {
                if (sentence.length >= MIN_REPEATED_SENTENCE_CHARS && seen.includes(sentence)) return { cut: start };
                seen.push(sentence);
            } else if (seen.some((earlier) => earlier.length >= MIN_REPEATED_SENTENCE_CHARS && earlier.startsWith(sentence))) {
                return { holdFrom: start };
            }
        }
    }
    return {};
}

/**
 * The same short phrase three times in a row ("the sum of the sum of the sum of"): cut where the
 * third copy starts. Two copies are released as they come (the second could still turn into
 * anything); what follows them is held back while it repeats the phrase again. Words in code
 * blocks never take part.
 */
export function phraseLoop(text: string, final: boolean, inCode: InCode = () => false): RuleVerdict {
    const words = [...text.matchAll(/\S+/g)]
        // An unfinished last word is not a word yet.
        .filter((word) => final || word.index + word[0].length < text.length)
        .map((word, position) => ({ start: word.index, text: inCode(word.index) ? `\u0000code${position}` : word[0] }));
    let cut: number | undefined;
    let holdFrom: number | undefined;
    for (let size = 1; size <= MAX_LOOP_PHRASE_WORDS; size++) {
        // How many words in a row so far equal the word `size` places before them.
        let run = 0;
        for (let index = size; index < words.length; index++) {
            run = words[index]!.text === words[index - size]!.text ? run + 1 : 0;
            if (run < size) continue;
            const secondCopy = index - run + 1;
            if (phraseLength(words, secondCopy - size, secondCopy) < MIN_LOOP_PHRASE_CHARS) continue;
            if (run >= 2 * size) {
                cut = Math.min(cut ?? Infinity, words[secondCopy + size]!.start);
                break;
            }
            if (index === words.length - 1 && !final) {
                const endOfSecondCopy = words[secondCopy + size - 1]!;
                holdFrom = Math.min(holdFrom ?? Infinity, endOfSecondCopy.start + endOfSecondCopy.text.length);
            }
        }
    }
    return cut !== undefined ? { cut } : holdFrom !== undefined ? { holdFrom } : {};
}

function phraseLength(words: ReadonlyArray<{ text: string }>, from: number, to: number): number {
    let length = to - from - 1;
    for (let index = from; index < to; index++) length += words[index]!.text.length;
    return length;
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
