// Post-processing of a finished suggestion against the document around the cursor. Each rule is a
// small pure function (text in, text out) with its own tests; postprocessSuggestion runs them in
// order and records which rule changed what.
import type { IndentStyle } from "../types";
import { scanBrackets } from "../python/brackets";
import { indentWidth, isBlank, leadingWhitespace, reindentLine } from "../python/indentation";

export type PostprocessRuleName =
    | "cursorIndentation"
    | "followingLinesEcho"
    | "restOfLineEcho"
    | "duplicateClosers"
    | "indentation"
    | "trailingWhitespace"
    | "whitespaceOnly";

export interface PostprocessContext {
    /** The cursor line's text before the cursor. */
    readonly textBeforeCursor: string;
    /** The cursor line's text after the cursor. */
    readonly restOfLine: string;
    /** Document lines after the cursor's line (a few are enough). */
    readonly followingLines: readonly string[];
    readonly indent?: IndentStyle;
    /** Indentation before the cursor that the prompt left out (the model wrote its own); "" if none. */
    readonly omittedIndentation?: string;
}

export interface RuleEffect {
    readonly rule: string;
    /** The text the rule removed (for a rewrite such as indentation: the text before it). */
    readonly removed: string;
}

/** Non-blank following lines compared with the suggestion's lines. */
const ECHO_LOOKAHEAD_LINES = 5;
/** A suggestion line equal to a later (not the next) document line is cut only when this long. */
const ECHO_MIN_DISTANT_LINE_LENGTH = 10;
/** An overlap with the rest of the line that is not only closers must be this long to be cut. */
const ECHO_MIN_OVERLAP = 3;

const CLOSERS = new Set([")", "]", "}", "\"", "'", "`"]);
const CLOSER_PUNCTUATION = new Set([":", ",", ";", " "]);

/**
 * The prompt left out the indentation before the cursor, so the model wrote the line with its own
 * indentation: remove what the editor already has. Leading blank lines go; a first line indented
 * less than the cursor belongs to an outer block and drops the suggestion; deeper indentation keeps
 * its extra part.
 */
export function alignToCursorIndentation(text: string, cursorIndentation: string, tabSize = 4): string {
    if (cursorIndentation.length === 0) return text;
    let start = 0;
    for (;;) {
        const newline = text.indexOf("\n", start);
        if (newline < 0 || !isBlank(text.slice(start, newline))) break;
        start = newline + 1;
    }
    const body = text.slice(start);
    if (body.startsWith(cursorIndentation)) return body.slice(cursorIndentation.length);
    const indentation = leadingWhitespace(body);
    const cursorWidth = indentWidth(cursorIndentation, tabSize);
    const width = indentWidth(indentation, tabSize);
    if (width < cursorWidth) return "";
    return " ".repeat(width - cursorWidth) + body.slice(indentation.length);
}

/**
 * Cuts the suggestion before its first line that repeats the code after the cursor: the next
 * non-blank document line, or (when long enough to be unlikely by chance) one of the few after it.
 * The first suggestion line counts only when the cursor line is blank before the cursor.
 */
export function cutFollowingLinesEcho(text: string, textBeforeCursor: string, followingLines: readonly string[]): string {
    const upcoming: string[] = [];
    for (const line of followingLines) {
        if (!isBlank(line)) upcoming.push(line.trim());
        if (upcoming.length >= ECHO_LOOKAHEAD_LINES) break;
    }
    if (upcoming.length === 0) return text;
    const lines = text.split("\n");
    let offset = 0;
    for (let i = 0; i < lines.length; i++) {
        const line = lines[i]!;
        const counts = i > 0 || isBlank(textBeforeCursor);
        const trimmed = line.trim();
        if (counts && trimmed.length > 0) {
            const echoesNext = trimmed === upcoming[0];
            const echoesLater = trimmed.length >= ECHO_MIN_DISTANT_LINE_LENGTH && upcoming.includes(trimmed);
            if (echoesNext || echoesLater) return text.slice(0, Math.max(0, offset - 1));
        }
        offset += line.length + 1;
    }
    return text;
}

/** Length of the longest suffix of `text` that is a prefix of `following`. */
export function overlapLength(text: string, following: string): number {
    for (let length = Math.min(text.length, following.length); length > 0; length--) {
        if (text.endsWith(following.slice(0, length))) return length;
    }
    return 0;
}

/**
 * The editor closed the bracket or string the user opened (`def f(self,|)`, `print("|")`), and
 * the single-line suggestion closes it too: the suggestion ends where it closes it
 * (` h):` -> ` h`, `hello", end="")` -> `hello`). When only closers follow there and they end with
 * the text after the cursor, only that repeated end goes, so closers of the user's outer brackets
 * stay (`print(f(|)` + `a, b))` -> `a, b)`). A bracket the suggestion opens itself is its own to
 * close (`f(|)` + ` g(x)` stays); a closer of another bracket than the one after the cursor is
 * left to the syntax guard.
 */
export function removeDuplicateClosers(text: string, restOfLine: string, textBeforeCursor = ""): string {
    if (text.includes("\n")) return text;
    const rest = restOfLine.trimStart();
    const closer = rest[0];
    if (closer === undefined || !CLOSERS.has(closer)) return text;
    const userQuote = scanBrackets(textBeforeCursor).openQuote;
    let closesAt: number;
    if (closer === "'" || closer === "\"") {
        if (userQuote === undefined || userQuote[0] !== closer) return text;
        closesAt = scanBrackets(text, userQuote).firstForeignCloser;
    } else {
        if (userQuote !== undefined) return text; // inside a string brackets are text
        closesAt = scanBrackets(text).firstForeignCloser;
        if (closesAt >= 0 && text[closesAt] !== closer) return text;
    }
    if (closesAt < 0) return text;
    const tail = text.slice(closesAt);
    const overlap = overlapLength(tail, rest);
    if (overlap > 0 && isClosersOnly(tail)) return text.slice(0, text.length - overlap);
    return text.slice(0, closesAt);
}

/** At least one closing bracket or quote, and nothing but closers and `:,;` or spaces. */
function isClosersOnly(text: string): boolean {
    let hasCloser = false;
    for (const char of text) {
        if (CLOSERS.has(char)) hasCloser = true;
        else if (!CLOSER_PUNCTUATION.has(char)) return false;
    }
    return hasCloser;
}

/**
 * Removes the end of a single-line suggestion that repeats the text after the cursor
 * (`return |b` + `a + b` -> `a + `), when the repeated part is long enough not to be chance.
 */
export function removeRestOfLineEcho(text: string, restOfLine: string): string {
    if (text.includes("\n")) return text;
    const rest = restOfLine.trimEnd();
    if (rest.length === 0) return text;
    if (text.trim() === rest.trim()) return "";
    const overlap = overlapLength(text, rest);
    const overlapText = rest.slice(0, overlap);
    // Overlaps of closers and punctuation only are removeDuplicateClosers' call, not chance echoes.
    if (isClosersOnly(overlapText)) return text;
    if (overlap >= Math.min(ECHO_MIN_OVERLAP, rest.length) && overlapText.trim().length > 0) {
        return text.slice(0, text.length - overlap);
    }
    return text;
}

/** Rewrites the indentation of the suggestion's later lines to the document's tabs or spaces. */
export function matchDocumentIndentation(text: string, indent: IndentStyle | undefined): string {
    if (!indent || !text.includes("\n")) return text;
    const lines = text.split("\n");
    for (let i = 1; i < lines.length; i++) lines[i] = reindentLine(lines[i]!, indent.insertSpaces, indent.tabSize);
    return lines.join("\n");
}

/**
 * Trailing spaces on every line and trailing blank lines go; the last line keeps its trailing
 * space when text follows the cursor (`x = |b` + `a + ` must stay `a + b`).
 */
export function trimTrailingWhitespace(text: string, restOfLine = ""): string {
    const lines = text.split("\n");
    const last = lines.length - 1;
    const keepLastEnd = !isBlank(restOfLine);
    const trimmed = lines.map((line, index) => (index === last && keepLastEnd ? line : line.trimEnd())).join("\n");
    return keepLastEnd ? trimmed : trimmed.replace(/\n+$/, "");
}

/** A suggestion of only whitespace is no suggestion (it would insert invisible indentation). */
export function dropWhitespaceOnly(text: string): string {
    return isBlank(text) ? "" : text;
}

export interface PostprocessResult {
    readonly text: string;
    readonly effects: readonly RuleEffect[];
}

export function postprocessSuggestion(text: string, context: PostprocessContext): PostprocessResult {
    const effects: RuleEffect[] = [];
    const apply = (rule: PostprocessRuleName, next: string): void => {
        if (next !== text) {
            effects.push({ rule, removed: next.length <= text.length && text.startsWith(next) ? text.slice(next.length) : text });
            text = next;
        }
    };
    const omitted = context.omittedIndentation ?? "";
    if (omitted.length > 0) {
        // Removing the cursor's own indentation is the normal case, not a cut worth reporting.
        if (text.startsWith(omitted)) text = text.slice(omitted.length);
        else apply("cursorIndentation", alignToCursorIndentation(text, omitted, context.indent?.tabSize));
    }
    apply("followingLinesEcho", cutFollowingLinesEcho(text, context.textBeforeCursor, context.followingLines));
    apply("duplicateClosers", removeDuplicateClosers(text, context.restOfLine, context.textBeforeCursor));
    apply("restOfLineEcho", removeRestOfLineEcho(text, context.restOfLine));
    apply("indentation", matchDocumentIndentation(text, context.indent));
    apply("trailingWhitespace", trimTrailingWhitespace(text, context.restOfLine));
    apply("whitespaceOnly", dropWhitespaceOnly(text));
    return { text, effects };
}
