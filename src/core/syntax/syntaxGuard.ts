// The syntax guard: a suggestion must not make the code around the cursor fail to parse. A bounded
// region around the cursor is parsed with the suggestion inserted; when that leaves parse problems,
// it is parsed without the suggestion too, and the problems are compared by where they are (inside
// the inserted text, at or after the cursor, before it), not only by how many there are: mid-typing
// the code is already broken at the cursor, and that must neither excuse a suggestion that breaks
// it further nor condemn one that merely leaves it unfinished. A suggestion that adds problems is
// cut back to a prefix that adds none (line and word boundaries, searched from where the parser
// found the problem), or dropped. The parser implementation may give up when a check's time budget
// is spent; what it could not check counts as broken.
//
// The parser is behind `ParseProblemFinder` so this logic is pure and tested with a fake; the
// tree-sitter implementation is treeSitterSyntaxGuard.ts, and which region around the cursor is
// parsed is guardRegion.ts.
import { scanBrackets } from "../python/brackets";
import { isBlank } from "../python/indentation";

export interface SyntaxGuardInput {
    /** Source before the insertion point (from the start of the region around the cursor). */
    readonly before: string;
    readonly insertText: string;
    /** Source after the insertion point (to the end of the region around the cursor). */
    readonly after: string;
    /** Parse time this check may take (see guardTimeBudgetMs), when more than the guard's own budget. */
    readonly timeBudgetMs?: number;
}

/** The least parse time a check gets: enough for the incremental parse of a typical block. */
export const MIN_GUARD_TIME_BUDGET_MS = 3;
/** The most: the extension host's thread is shared with every other extension. */
export const MAX_GUARD_TIME_BUDGET_MS = 50;

/**
 * Parse time for checking a suggestion that took `modelMs` of model time: a tenth of it, within
 * [3, 50] ms. A cached or typed-ahead answer stays instant, while a suggestion the user waited
 * seconds for is not dropped because a busy machine needed 7 ms instead of 3 to parse its block.
 */
export function guardTimeBudgetMs(modelMs: number): number {
    return Math.min(MAX_GUARD_TIME_BUDGET_MS, Math.max(MIN_GUARD_TIME_BUDGET_MS, modelMs / 10));
}

export interface SyntaxGuardVerdict {
    /** The suggestion to show: the whole of it, a prefix, or "" when dropped. */
    readonly text: string;
    readonly action: "kept" | "cut" | "dropped";
    /** Parse errors in the source without the suggestion (not parsed when the suggestion leaves none). */
    readonly errorsWithout: number | undefined;
    /** Parse errors with the whole suggestion inserted. */
    readonly errorsWith: number;
    readonly parses: number;
    /** The parser ran out of time: what it could not check was treated as broken. */
    readonly outOfTime?: boolean;
}

export interface SyntaxGuard {
    check(input: SyntaxGuardInput): SyntaxGuardVerdict;
}

/**
 * A place where the parse failed, as offsets into the parsed source: an error node (what the parser
 * could not fit), a missing token the parser assumed, or a closing bracket the parser skipped (a
 * direct child of an error node: it closes nothing). Stray closers are listed besides the error
 * node holding them because an error node often spans the whole broken statement, user's text and
 * suggestion alike, while the closer shows which side broke it.
 */
export interface ParseProblem {
    readonly kind: "error" | "missing" | "strayCloser";
    readonly start: number;
    readonly end: number;
}

/**
 * Parses a piece of Python source and lists its problems (none: it parses cleanly); undefined when
 * it could not tell in time (the guard's time budget ran out), which the guard treats as a problem.
 */
export type ParseProblemFinder = (source: string) => readonly ParseProblem[] | undefined;

/** Where the suggestion goes in the parsed source. */
export interface InsertionPlace {
    /** Offset of the cursor (the start of the inserted text). */
    readonly insertStart: number;
    /** Offset after the inserted text (= insertStart without a suggestion). */
    readonly insertEnd: number;
    /** Offset after the last non-whitespace character before the cursor. */
    readonly cursorReach: number;
}

export function insertionPlace(before: string, insertLength: number): InsertionPlace {
    return { insertStart: before.length, insertEnd: before.length + insertLength, cursorReach: before.trimEnd().length };
}

/** Where a problem is relative to the insertion; the guard compares problems zone by zone. */
type ProblemZone = "settled" | "open" | "inside" | "after";

/**
 * - settled: wholly before the last token before the cursor (the suggestion cannot cause it);
 * - open: starts before the cursor and reaches it (the statement being typed is unfinished);
 * - inside: starts in the inserted text (the suggestion's own);
 * - after: in the code after the inserted text. A missing token in the whitespace at the cursor is
 *   `after` too: the parser places it wherever the text it misses ends, after the suggestion once
 *   one is inserted (`print(x |` misses its `)` there, `print(x + 1|` after the `1`).
 */
function zoneOf(problem: ParseProblem, place: InsertionPlace): ProblemZone {
    const zeroWidth = problem.start === problem.end;
    if (zeroWidth ? problem.start < place.cursorReach : problem.end < place.cursorReach) return "settled";
    if (problem.start >= place.insertEnd) return "after";
    if (problem.start >= place.insertStart) return "inside";
    if (zeroWidth && place.insertStart === place.insertEnd) return "after";
    return "open";
}

/**
 * Whether the suggestion adds parse problems: one that starts inside the inserted text, or more in
 * any other zone than without the suggestion. Zones, not offsets, because the inserted text moves
 * the code after it; zones, not totals, because an unfinished statement the suggestion completes
 * must not pay for a problem it makes in the code after it (`def f(self,|)` + ` h):` completes the
 * header and leaves the editor's `)` stray).
 */
export function addsProblems(without: readonly ParseProblem[], withSuggestion: readonly ParseProblem[], place: InsertionPlace): boolean {
    const placeWithout: InsertionPlace = { ...place, insertEnd: place.insertStart };
    const countsWithout = { settled: 0, open: 0, inside: 0, after: 0 };
    let openStartWithout = Number.POSITIVE_INFINITY;
    for (const problem of without) {
        const zone = zoneOf(problem, placeWithout);
        countsWithout[zone]++;
        if (zone === "open") openStartWithout = Math.min(openStartWithout, problem.start);
    }
    const countsWith = { settled: 0, open: 0, inside: 0, after: 0 };
    for (const problem of withSuggestion) {
        const zone = zoneOf(problem, place);
        if (zone === "inside") return true;
        // The unfinished statement's problem now starts earlier: the suggestion broke code before
        // it that parsed (`if ` + `x = 1` turns the whole block above into one error).
        if (zone === "open" && problem.start < openStartWithout && countsWithout.open > 0) return true;
        countsWith[zone]++;
    }
    return countsWith.settled > countsWithout.settled || countsWith.open > countsWithout.open || countsWith.after > countsWithout.after;
}

/**
 * Prefixes of `text` to try, longest first: line boundaries, then word ends (and commas) within the first line;
 * without those that leave a bracket they opened unclosed (`f(1` of `f(1))`: never the clean cut,
 * and keeping them would break the binary search's assumption that clean prefixes come in a row).
 */
export function cutBackCandidates(text: string): string[] {
    const candidates: string[] = [];
    const consider = (prefix: string): void => {
        if (!isBlank(prefix) && !leavesBracketOpen(prefix)) candidates.push(prefix);
    };
    for (let newline = text.lastIndexOf("\n"); newline > 0; newline = text.lastIndexOf("\n", newline - 1)) consider(text.slice(0, newline));
    const firstLineEnd = text.indexOf("\n");
    const firstLine = firstLineEnd >= 0 ? text.slice(0, firstLineEnd) : text;
    for (let end = firstLine.length - 1; end > 0; end--) {
        const boundary = /[\w)\]}"',]/.test(firstLine[end - 1]!) && !/\w/.test(firstLine[end]!);
        if (boundary) consider(firstLine.slice(0, end));
    }
    return candidates;
}

/**
 * Whether `text` opens a bracket it does not close (closers of brackets opened before it are
 * fine; brackets in its strings and comments do not count).
 */
export function leavesBracketOpen(text: string): boolean {
    return scanBrackets(text).unclosed.length > 0;
}

/** Error and missing nodes (stray closers sit inside an error node already counted). */
function errorCount(problems: readonly ParseProblem[]): number {
    let count = 0;
    for (const problem of problems) if (problem.kind !== "strayCloser") count++;
    return count;
}

/**
 * The guard's algorithm over any problem finder, with as few parses as possible: one when the
 * suggestion leaves the region clean, two when it leaves problems it did not add, and a search over
 * the cut-back candidates only when it adds some. The search starts where the parser found the
 * suggestion's first problem (the longest candidate that ends before it; the shortest candidate
 * when the problem lies outside the inserted text) and gallops from there, then halves the gap:
 * a cut right before the problem costs two parses, and short candidates, which are cheap to parse,
 * are tried first. It assumes that a prefix of a clean prefix is clean, which holds at most
 * boundaries; when it does not (`f(\n  x)` is clean, `f(` is not), the search may settle on a
 * shorter prefix than the longest clean one, but whatever it returns was parsed and adds nothing.
 */
export function guardSuggestion(input: SyntaxGuardInput, findProblems: ParseProblemFinder): SyntaxGuardVerdict {
    const { before, insertText, after } = input;
    let outOfTime = false;
    const parse = (source: string): readonly ParseProblem[] | undefined => {
        const problems = findProblems(source);
        if (problems === undefined) outOfTime = true;
        return problems;
    };
    const verdict = (text: string, action: SyntaxGuardVerdict["action"], errorsWithout: number | undefined, errorsWith: number, parses: number): SyntaxGuardVerdict =>
        (outOfTime ? { text, action, errorsWithout, errorsWith, parses, outOfTime } : { text, action, errorsWithout, errorsWith, parses });
    const problemsWith = parse(before + insertText + after);
    const errorsWith = problemsWith === undefined ? 0 : errorCount(problemsWith);
    if (problemsWith?.length === 0) return verdict(insertText, "kept", undefined, errorsWith, 1);
    const problemsWithout = parse(before + after);
    if (problemsWith === undefined || problemsWithout === undefined) return verdict("", "dropped", undefined, errorsWith, 2);
    const errorsWithout = errorCount(problemsWithout);
    let parses = 2;
    const place = insertionPlace(before, insertText.length);
    if (!addsProblems(problemsWithout, problemsWith, place)) return verdict(insertText, "kept", errorsWithout, errorsWith, parses);
    const candidates = cutBackCandidates(insertText);
    const isClean = (index: number): boolean => {
        const candidate = candidates[index]!;
        parses++;
        const problems = parse(before + candidate + after);
        return problems !== undefined && !addsProblems(problemsWithout, problems, { ...place, insertEnd: place.insertStart + candidate.length });
    };
    const clean = searchCleanCandidate(candidates.length, firstCandidateToTry(candidates, problemsWith, place), isClean);
    if (clean < candidates.length) return verdict(candidates[clean]!, "cut", errorsWithout, errorsWith, parses);
    return verdict("", "dropped", errorsWithout, errorsWith, parses);
}

/** Index of the longest candidate that ends before the suggestion's first own problem, or of the shortest one. */
function firstCandidateToTry(candidates: readonly string[], problemsWith: readonly ParseProblem[], place: InsertionPlace): number {
    let firstOwnProblem = Number.POSITIVE_INFINITY;
    for (const problem of problemsWith) {
        if (problem.start >= place.insertStart && problem.start < place.insertEnd) firstOwnProblem = Math.min(firstOwnProblem, problem.start - place.insertStart);
    }
    if (firstOwnProblem === Number.POSITIVE_INFINITY) return candidates.length - 1;
    const index = candidates.findIndex((candidate) => candidate.length <= firstOwnProblem);
    return index < 0 ? candidates.length - 1 : index;
}

/**
 * The smallest index whose candidate is clean, assuming clean ones form the tail of the list
 * (candidates are longest first); `count` when none is. Starts at `start`, gallops away from it
 * (1, 2, 4, ... steps) until the answer is bracketed, then halves the bracket.
 */
export function searchCleanCandidate(count: number, start: number, isClean: (index: number) => boolean): number {
    if (count === 0) return 0;
    let dirty = -1; // every index <= dirty is known (or assumed) dirty
    let clean = count; // the index known clean (count: none)
    if (isClean(start)) {
        clean = start;
        for (let step = 1; clean - step > dirty; step *= 2) {
            const probe = clean - step;
            if (!isClean(probe)) {
                dirty = probe;
                break;
            }
            clean = probe;
        }
    } else {
        dirty = start;
        for (let step = 1; dirty + step < clean; step *= 2) {
            const probe = dirty + step;
            if (isClean(probe)) {
                clean = probe;
                break;
            }
            dirty = probe;
        }
    }
    while (clean - dirty > 1) {
        const middle = (dirty + clean) >>> 1;
        if (isClean(middle)) clean = middle;
        else dirty = middle;
    }
    return clean;
}
