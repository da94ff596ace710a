// Stop rules, applied to the text as it streams from the model. Phi-2 is a base model: it writes
// on after the answer (a new exercise, `<|endoftext|>` and unrelated text, markdown), so stopping
// early is what keeps both the suggestion clean and the CPU free.
//
// Each rule is a small exported function over one complete generated line; StreamingStopRules
// feeds them line by line and remembers where and why it cut.
import { END_OF_TEXT } from "../phi2Vocabulary";
import type { CompletionMode } from "./completionMode";
import { indentWidth, isBlank } from "../python/indentation";
import { tripleQuoteOpenAfter, type TripleQuote } from "../python/pythonScanner";


export type StopRuleName =
    | "endOfText"
    | "singleLineEnd"
    | "dedent"
    | "topLevelDefinition"
    | "blankLines"
    | "preamble"
    | "markdownFence"
    | "repeatedLine"
    | "repeatedInLine"
    | "suffixEcho";

export interface StopRuleContext {
    readonly mode: CompletionMode;
    /** Visual indentation of the cursor's block; a later line indented less has left it. */
    readonly blockIndent: number;
    readonly tabSize: number;
    /** The cursor is inside a triple-quoted string (e.g. right after an opening docstring quote). */
    readonly openStringQuote?: TripleQuote;
    /** The first non-blank line of the document after the cursor's line, if any. */
    readonly nextDocumentLine?: string;
    /** false: only the end of text and the single-line end stop (a benchmark variant). */
    readonly contentRules?: boolean;
}

export interface StopCut {
    readonly rule: StopRuleName;
    /** Generated text dropped at the cut (what was seen of it when the stream stopped). */
    readonly removed: string;
}

// ---- the rules, one line at a time -----------------------------------------------------------

/** A non-blank line indented less than the block the suggestion started in. */
export function leavesBlock(line: string, blockIndent: number, tabSize: number): boolean {
    return !isBlank(line) && indentWidth(line, tabSize) < blockIndent;
}

/** A new top-level `def`, `class` or decorator: the model has moved on to other code. */
export function startsTopLevelDefinition(line: string): boolean {
    return /^(?:async\s+def|def|class)\s/.test(line) || /^@[A-Za-z_]/.test(line);
}

/** Phi-2's textbook preambles: `Instruct:`, `Exercise 2:`, `## Exercise` (not `exercise = ...`). */
export function isPreamble(line: string): boolean {
    const trimmed = line.trim();
    return /^(?:#+\s*)?Instruct\s*:/.test(trimmed) || /^(?:#+\s*)?Exercises?(?:\s+\d+)?\s*(?:[:.)]|$)/.test(trimmed);
}

/** A markdown code fence (the model leaving code for prose). */
export function isMarkdownFence(line: string): boolean {
    return line.trimStart().startsWith("```");
}

/** The line repeats what follows the cursor in the document: the model is re-typing existing code. */
export function echoesNextDocumentLine(line: string, nextDocumentLine: string | undefined): boolean {
    return nextDocumentLine !== undefined && !isBlank(line) && line.trim() === nextDocumentLine.trim();
}

/** Units repeated this many times in a row are a loop (`_c_c_c_c_c`, `#  #  #  #  #`). */
const IN_LINE_REPEATS = 5;
const IN_LINE_UNIT_MAX = 4;
/** One character repeated is a ruler (`-----`, `=====`) or a number (`0xFFFFFFFF`, `1000000`), not a loop. */
const RULER_OR_DIGIT = /^[-=*~#+.\s0-9A-Fa-f]$/;

function copiesAt(line: string, start: number, unit: number): number {
    const text = line.slice(start, start + unit);
    let copies = 1;
    while (line.startsWith(text, start + copies * unit)) copies++;
    return copies;
}

/**
 * Where a degenerate loop inside one line starts: a unit of 1-4 characters repeated at least five
 * times in a row (a small model stuck on a token pair); -1 when there is none. Runs of whitespace,
 * of one ruler character or of one digit are not loops.
 */
export function repeatedRunStart(line: string): number {
    let found = -1;
    for (let unit = 1; unit <= IN_LINE_UNIT_MAX; unit++) {
        for (let start = 0; start + unit * IN_LINE_REPEATS <= line.length && (found < 0 || start < found); start++) {
            const text = line.slice(start, start + unit);
            if (text.trim().length === 0 || (new Set(text).size === 1 && RULER_OR_DIGIT.test(text[0]!))) continue;
            if (copiesAt(line, start, unit) >= IN_LINE_REPEATS) {
                found = start;
                break;
            }
        }
    }
    return found;
}

/**
 * A degenerate loop: the line equals the previous non-blank line, or the last two lines repeat
 * the two before them. `previous` holds earlier non-blank lines, trimmed, oldest first.
 */
export function repeatsPreviousLines(line: string, previous: readonly string[]): "one" | "two" | undefined {
    const trimmed = line.trim();
    if (trimmed.length === 0) return undefined;
    const n = previous.length;
    if (n >= 1 && previous[n - 1] === trimmed) return "one";
    if (n >= 3 && previous[n - 2] === trimmed && previous[n - 1] === previous[n - 3] && previous[n - 2] !== previous[n - 1]) return "two";
    return undefined;
}

// ---- streaming ---------------------------------------------------------------------------------

/** Blank lines in a row that end a suggestion (PEP 8 puts two between top-level definitions). */
const BLANK_RUN_LIMIT = 2;

export class StreamingStopRules {
    private received = "";
    /** Start offset of the next line not yet checked. */
    private lineStart = 0;
    private lineIndex = 0;
    private blankRunStart = -1;
    private blankRunLength = 0;
    private readonly nonBlankLines: string[] = [];
    private readonly nonBlankStarts: number[] = [];
    private openQuote: TripleQuote | undefined;
    private keptEnd: number | undefined;
    private cutInfo: StopCut | undefined;

    constructor(private readonly context: StopRuleContext) {
        this.openQuote = context.openStringQuote;
    }

    /** Feeds a streamed chunk; false once a rule has stopped the suggestion. */
    push(chunk: string): boolean {
        if (this.cutInfo) return false;
        const searchFrom = Math.max(0, this.received.length - END_OF_TEXT.length);
        this.received += chunk;
        const endOfText = this.received.indexOf(END_OF_TEXT, searchFrom);
        const limit = endOfText >= 0 ? endOfText : this.received.length;
        if (this.checkCompleteLines(limit)) return false;
        if (endOfText >= 0) {
            if (!this.checkLastLine(limit)) this.stop("endOfText", limit);
            return false;
        }
        return true;
    }

    /** Checks the last, unterminated line when the stream has ended. */
    finish(): void {
        if (this.cutInfo) return;
        this.checkLastLine(this.received.length);
    }

    /** The text kept so far (everything received up to the cut, if any). */
    get text(): string {
        return this.received.slice(0, this.keptEnd ?? this.received.length);
    }

    get cut(): StopCut | undefined {
        return this.cutInfo;
    }

    get stopped(): boolean {
        return this.cutInfo !== undefined;
    }

    /** Checks complete lines ending before `limit`; true when one stopped the stream. */
    private checkCompleteLines(limit: number): boolean {
        for (;;) {
            const newline = this.received.indexOf("\n", this.lineStart);
            if (newline < 0 || newline >= limit) return false;
            if (this.checkLine(this.received.slice(this.lineStart, newline), this.lineStart)) return true;
            if (this.context.mode === "singleLine") {
                this.stop("singleLineEnd", newline);
                return true;
            }
            this.lineStart = newline + 1;
            this.lineIndex++;
        }
    }

    private checkLastLine(limit: number): boolean {
        if (this.lineStart >= limit) return false;
        return this.checkLine(this.received.slice(this.lineStart, limit), this.lineStart);
    }

    /** Applies the rules to one line starting at `start`; true when it stopped the stream. */
    private checkLine(line: string, start: number): boolean {
        const insideString = this.openQuote !== undefined;
        // Follows triple-quoted strings so that docstring text is not mistaken for code.
        this.openQuote = tripleQuoteOpenAfter(line, this.openQuote);
        if (this.context.contentRules === false) return false;
        const cutBefore = Math.max(0, start - 1); // drop the newline that led to the rejected line
        const firstLine = this.lineIndex === 0;
        if (!insideString) {
            if (isMarkdownFence(line)) return this.stop("markdownFence", firstLine ? 0 : cutBefore);
            if (isPreamble(line)) return this.stop("preamble", firstLine ? 0 : cutBefore);
        }
        const loopStart = repeatedRunStart(line);
        if (loopStart >= 0) {
            const kept = line.slice(0, loopStart).trimEnd();
            return this.stop("repeatedInLine", isBlank(kept) ? (firstLine ? 0 : cutBefore) : start + kept.length);
        }
        if (firstLine) {
            if (echoesNextDocumentLine(line, this.context.nextDocumentLine)) return this.stop("suffixEcho", 0);
            this.rememberLine(line, start);
            return false;
        }
        if (isBlank(line)) {
            if (this.blankRunLength === 0) this.blankRunStart = start;
            this.blankRunLength++;
            if (!insideString && this.blankRunLength >= BLANK_RUN_LIMIT) return this.stop("blankLines", Math.max(0, this.blankRunStart - 1));
            return false;
        }
        this.blankRunLength = 0;
        if (!insideString) {
            if (this.context.mode === "multiLine" && leavesBlock(line, this.context.blockIndent, this.context.tabSize)) return this.stop("dedent", cutBefore);
            if (startsTopLevelDefinition(line)) return this.stop("topLevelDefinition", cutBefore);
            if (echoesNextDocumentLine(line, this.context.nextDocumentLine)) return this.stop("suffixEcho", cutBefore);
            const repeated = repeatsPreviousLines(line, this.nonBlankLines);
            if (repeated === "one") return this.stop("repeatedLine", cutBefore);
            if (repeated === "two") {
                const loopStart = this.nonBlankStarts[this.nonBlankStarts.length - 2] ?? start;
                return this.stop("repeatedLine", Math.max(0, loopStart - 1));
            }
        }
        this.rememberLine(line, start);
        return false;
    }

    private rememberLine(line: string, start: number): void {
        if (isBlank(line)) return;
        this.nonBlankLines.push(line.trim());
        this.nonBlankStarts.push(start);
    }

    private stop(rule: StopRuleName, keptEnd: number): true {
        this.keptEnd = keptEnd;
        this.cutInfo = { rule, removed: this.received.slice(keptEnd) };
        return true;
    }
}
