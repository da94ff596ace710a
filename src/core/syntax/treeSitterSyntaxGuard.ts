// SyntaxGuard implementation with tree-sitter-python, from the WASM builds in
// `@vscode/tree-sitter-wasm` (no native module). The WASM files are loaded from a folder given by
// the caller: the package's own `wasm/` folder for the CLI and tests, a copy inside the extension
// for the VSIX bundle.
import type { Edit, Parser as TreeSitterParser, Point, Tree } from "@vscode/tree-sitter-wasm";
import { guardSuggestion, MIN_GUARD_TIME_BUDGET_MS } from "./syntaxGuard";
import type { ParseProblem, ParseProblemFinder, SyntaxGuard, SyntaxGuardInput, SyntaxGuardVerdict } from "./syntaxGuard";
import { loadPythonParser } from "./pythonParser";

export interface TreeSitterSyntaxGuardOptions {
    /** Folder holding `tree-sitter.wasm` and `tree-sitter-python.wasm`. */
    readonly wasmDirectory: string;
    /** Parse time per check (GUARD_TIME_BUDGET_MS by default; tests of the rules lift it). */
    readonly timeBudgetMs?: number;
}

/** Loads the tree-sitter runtime (once per process) and the Python grammar. */
export async function createTreeSitterSyntaxGuard(options: TreeSitterSyntaxGuardOptions): Promise<TreeSitterSyntaxGuard> {
    const parser = await loadPythonParser(options.wasmDirectory);
    const guard = new TreeSitterSyntaxGuard(parser, options.timeBudgetMs);
    guard.warmUp();
    return guard;
}

/** Parsed once at creation, clean and broken, so the first check does not pay for the WASM warming up. */
const WARM_UP_SOURCE = "class Shape:\n    def area(self, scale=1):\n        return [self.w * scale, {'h': self.h}]\n";

/**
 * Recent parse results kept: a typed-ahead request re-checks the same text with the suggestion
 * inserted (the typed part moved from the suggestion into the document), so it costs no parse.
 */
const PARSE_MEMO_ENTRIES = 16;

/**
 * Parse time one check may spend. A check of a real suggestion takes one or two parses of well
 * under a millisecond; only junk (a run of words the grammar cannot place, whose error recovery is
 * costly) or a region that does not parse on its own (the middle of a long literal) takes longer.
 * What is not checked when the budget runs out counts as broken (never shown unverified); a parse
 * in progress stops at tree-sitter's next progress check. This bounds the guard's share of the
 * pipeline's 5 ms p99 overhead. The engine gives a check more when the suggestion cost more model
 * time (guardTimeBudgetMs): on a busy machine the same parse can take several times as long.
 */
export const GUARD_TIME_BUDGET_MS = MIN_GUARD_TIME_BUDGET_MS;

/** Closing brackets that, as direct children of an error node, were skipped by the parser. */
const CLOSING_BRACKETS = new Set([")", "]", "}"]);

/**
 * Every parse starts from the previous tree, edited by the difference between the two sources
 * (their common start and end): one check parses the same region with and without the suggestion
 * and with its prefixes, and the next keystroke parses it again with one more character, so
 * tree-sitter re-reads only the changed part (about a fifth of a fresh parse for a clean edit).
 */
export class TreeSitterSyntaxGuard implements SyntaxGuard {
    private readonly findProblems: ParseProblemFinder;
    private readonly memo = new Map<string, readonly ParseProblem[]>();
    private lastTree: Tree | undefined;
    private lastSource = "";
    /** performance.now() after which the current check's parses give up. */
    private deadline = Number.POSITIVE_INFINITY;
    private readonly pastDeadline = (): boolean => performance.now() > this.deadline;

    constructor(private readonly parser: TreeSitterParser, private readonly timeBudgetMs = GUARD_TIME_BUDGET_MS) {
        this.findProblems = (source) => this.problemsIn(source);
    }

    check(input: SyntaxGuardInput): SyntaxGuardVerdict {
        // The larger of the check's budget (the engine's, from the model time) and the guard's own.
        this.deadline = performance.now() + Math.max(input.timeBudgetMs ?? 0, this.timeBudgetMs);
        try {
            return guardSuggestion(input, this.findProblems);
        } finally {
            this.deadline = Number.POSITIVE_INFINITY;
        }
    }

    /**
     * Error nodes, missing nodes and skipped closing brackets in the parse of `source`; undefined
     * when a check's time budget ran out before or during the parse.
     */
    problemsIn(source: string): readonly ParseProblem[] | undefined {
        const known = this.memo.get(source);
        if (known !== undefined) return known;
        if (this.pastDeadline()) return undefined;
        const tree = this.parse(source);
        if (!tree) return undefined;
        const problems = collectProblems(tree);
        if (this.memo.size >= PARSE_MEMO_ENTRIES) this.memo.delete(this.memo.keys().next().value as string);
        this.memo.set(source, problems);
        return problems;
    }

    warmUp(): void {
        this.problemsIn(WARM_UP_SOURCE);
        this.problemsIn(WARM_UP_SOURCE.replace("scale=1)", "scale=1").replace("[self", "[self self"));
        this.memo.clear();
    }

    /** Error and missing nodes in the parse of `source` (0: it is valid Python). */
    parseErrors(source: string): number {
        const problems = this.problemsIn(source);
        if (problems === undefined) throw new Error("tree-sitter returned no tree for the source (is the Python grammar loaded?).");
        return problems.filter((problem) => problem.kind !== "strayCloser").length;
    }

    dispose(): void {
        this.lastTree?.delete();
        this.lastTree = undefined;
        this.parser.delete();
    }

    /** The tree of `source`, or undefined when the time budget ran out during the parse. */
    private parse(source: string): Tree | undefined {
        let oldTree: Tree | undefined;
        if (this.lastTree) {
            oldTree = this.lastTree.copy();
            oldTree.edit(editBetween(this.lastSource, source));
        }
        let tree: Tree | null;
        try {
            tree = this.parser.parse(source, oldTree, { progressCallback: this.pastDeadline });
        } finally {
            oldTree?.delete();
        }
        if (!tree) {
            // Cancelled by the progress callback: start the next parse afresh, not where this one stopped.
            this.parser.reset();
            return undefined;
        }
        this.lastTree?.delete();
        this.lastTree = tree;
        this.lastSource = source;
        return tree;
    }
}

/** The edit that turns `from` into `to`: the part between their common start and common end. */
export function editBetween(from: string, to: string): Edit {
    const shorter = Math.min(from.length, to.length);
    let start = 0;
    while (start < shorter && from.charCodeAt(start) === to.charCodeAt(start)) start++;
    let common = 0;
    while (common < shorter - start && from.charCodeAt(from.length - 1 - common) === to.charCodeAt(to.length - 1 - common)) common++;
    const startPosition = pointAt(from, 0, { row: 0, column: 0 }, start);
    return {
        startIndex: start,
        oldEndIndex: from.length - common,
        newEndIndex: to.length - common,
        startPosition,
        oldEndPosition: pointAt(from, start, startPosition, from.length - common),
        newEndPosition: pointAt(to, start, startPosition, to.length - common),
    };
}

/** Row and column (UTF-16 units, as web-tree-sitter counts them for string input) of `offset`, counted on from a known point. */
function pointAt(text: string, knownOffset: number, known: Point, offset: number): Point {
    let { row, column } = known;
    for (let index = knownOffset; index < offset; index++) {
        if (text.charCodeAt(index) === 10) {
            row++;
            column = 0;
        } else {
            column++;
        }
    }
    return { row, column };
}

function collectProblems(tree: Tree): ParseProblem[] {
    const problems: ParseProblem[] = [];
    if (!tree.rootNode.hasError) return problems;
    const cursor = tree.walk();
    // Whether the current node's parent is an error node, per depth of the walk.
    const parentIsError: boolean[] = [false];
    try {
        for (;;) {
            const type = cursor.nodeType;
            const isError = type === "ERROR";
            if (isError) problems.push({ kind: "error", start: cursor.startIndex, end: cursor.endIndex });
            else if (cursor.nodeIsMissing) problems.push({ kind: "missing", start: cursor.startIndex, end: cursor.endIndex });
            else if (parentIsError[parentIsError.length - 1] === true && CLOSING_BRACKETS.has(type)) {
                problems.push({ kind: "strayCloser", start: cursor.startIndex, end: cursor.endIndex });
            }
            // Descend only into subtrees that hold an error.
            if ((isError || cursor.currentNode.hasError) && cursor.gotoFirstChild()) {
                parentIsError.push(isError);
                continue;
            }
            while (!cursor.gotoNextSibling()) {
                if (!cursor.gotoParent()) return problems;
                parentIsError.pop();
            }
        }
    } finally {
        cursor.delete();
    }
}
