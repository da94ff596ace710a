// The places the quality benchmark asks for a completion, cut out of real held-out files:
//   line spots   the cursor at a random point of a non-blank line inside a function; the rest of
//                that line is what the user was going to type, the lines after it stay as the suffix
//   block spots  the cursor at the start of a block body (the header `...:` typed, Enter pressed,
//                the editor indented); the body is what the user was going to type
//   cross-file   the cursor right before a use of a name the file imports from another module of
//   spots        the library (`deque(`, `os.path.join(`, a sibling module's function): the rest of
//                the line expected, where definitions from other files can help
import { findFunctions } from "../pythonCorpus";
import type { FunctionFilter, PythonFile } from "../pythonCorpus";
import type { SeededRandom } from "../seededRandom";
import { TypedDocument } from "../TypedDocument";

export type SpotKind = "line" | "block" | "crossFile";

export interface QualitySpot {
    readonly kind: SpotKind;
    readonly file: string;
    /** Document lines as the user has them at the spot (the expected text removed). */
    readonly lines: readonly string[];
    readonly line: number;
    readonly character: number;
    /** What the user was going to type from the cursor on. */
    readonly expected: string;
}

/** Functions of any reasonable size: the spots are lines inside them. */
const SPOT_FUNCTIONS: FunctionFilter = { minLines: 3, maxLines: 400, minCharacters: 40, maxCharacters: 40_000, maxLineLength: 120 };
/** Block bodies longer than this are left out: a suggestion stops long before their end. */
const MAX_BLOCK_BODY_LINES = 6;
/** Characters of the line the cursor must leave before and after it (a real prefix and a real rest). */
const MIN_LINE_REST = 2;

export function spotDocument(spot: QualitySpot): TypedDocument {
    return new TypedDocument(`file://${spot.file}`, spot.lines, { line: spot.line, character: spot.character });
}

function indentOf(line: string): number {
    return line.length - line.trimStart().length;
}

/** Candidate line spots of a file: one per non-blank body line long enough, cursor chosen later. */
function lineCandidates(file: PythonFile): number[] {
    const candidates: number[] = [];
    for (const fn of findFunctions(file, SPOT_FUNCTIONS)) {
        for (let line = fn.startLine + 1; line < fn.endLine; line++) {
            const text = file.lines[line]!;
            if (text.trim().length >= MIN_LINE_REST * 2 + 1) candidates.push(line);
        }
    }
    return [...new Set(candidates)];
}

function lineSpot(file: PythonFile, line: number, random: SeededRandom): QualitySpot {
    const text = file.lines[line]!;
    const start = indentOf(text) + MIN_LINE_REST;
    const end = text.trimEnd().length - MIN_LINE_REST;
    const character = random.integer(start, end);
    const lines = [...file.lines];
    lines[line] = text.slice(0, character);
    return { kind: "line", file: file.path, lines, line, character, expected: text.slice(character).trimEnd() };
}

/** Lines [header + 1, end) deeper than the header: the block body (trailing blank lines left out). */
function blockBodyEnd(lines: readonly string[], header: number): number {
    const headerIndent = indentOf(lines[header]!);
    let end = header + 1;
    while (end < lines.length && (lines[end]!.trim().length === 0 || indentOf(lines[end]!) > headerIndent)) end++;
    while (end > header + 1 && lines[end - 1]!.trim().length === 0) end--;
    return end;
}

/** Headers (inside functions) of short blocks: a line ending with `:` and an indented body after it. */
function blockCandidates(file: PythonFile): number[] {
    const candidates: number[] = [];
    for (const fn of findFunctions(file, SPOT_FUNCTIONS)) {
        for (let line = fn.startLine + 1; line < fn.endLine - 1; line++) {
            const text = file.lines[line]!;
            if (!/^\s+(?:if|elif|else|for|while|with|try|except|finally|def|async def|class)\b.*:\s*$/.test(text)) continue;
            const next = file.lines[line + 1]!;
            if (next.trim().length === 0 || indentOf(next) <= indentOf(text)) continue;
            const end = blockBodyEnd(file.lines, line);
            if (end - line - 1 <= MAX_BLOCK_BODY_LINES) candidates.push(line);
        }
    }
    return candidates;
}

function blockSpot(file: PythonFile, header: number): QualitySpot {
    const end = blockBodyEnd(file.lines, header);
    const body = file.lines.slice(header + 1, end);
    const indent = body[0]!.slice(0, indentOf(body[0]!));
    const lines = [...file.lines.slice(0, header + 1), indent, ...file.lines.slice(end)];
    return { kind: "block", file: file.path, lines, line: header + 1, character: indent.length, expected: body.join("\n").slice(indent.length) };
}

/**
 * `count` cross-file spots: uses of the names `importedNames(file)` gives (the names a file binds by
 * importing modules that are files of the corpus) inside function bodies, in the seeded order.
 */
export function pickCrossFileSpots(files: readonly PythonFile[], count: number, random: SeededRandom, importedNames: (file: PythonFile) => ReadonlySet<string>): QualitySpot[] {
    const all: { file: PythonFile; line: number; character: number }[] = [];
    for (const file of files) {
        const names = importedNames(file);
        if (names.size === 0) continue;
        for (const line of lineCandidates(file)) {
            const text = file.lines[line]!;
            for (const match of text.matchAll(/(?<![\w.])[A-Za-z_]\w*/g)) {
                const character = match.index;
                if (names.has(match[0]) && character >= indentOf(text) && text.length - character >= MIN_LINE_REST * 2 && endsOnItsLine(text.slice(character))) {
                    all.push({ file, line, character });
                    break; // one spot per line
                }
            }
        }
    }
    return random.shuffle(all).slice(0, count).map(({ file, line, character }) => {
        const text = file.lines[line]!;
        const lines = [...file.lines];
        lines[line] = text.slice(0, character);
        return { kind: "crossFile", file: file.path, lines, line, character, expected: text.slice(character).trimEnd() };
    });
}

/**
 * Whether the rest of a line can be removed without breaking the code after it: it opens no
 * bracket, triple-quoted string or continuation that a later line closes (removing the rest of
 * `f("""\` turns the rest of the file into a string, and every suggestion there into a "parse
 * error added" that no guard could see coming).
 */
function endsOnItsLine(rest: string): boolean {
    if (rest.includes('"""') || rest.includes("'''") || rest.trimEnd().endsWith("\\")) return false;
    let depth = 0;
    for (const char of rest) {
        if (char === "(" || char === "[" || char === "{") depth++;
        else if (char === ")" || char === "]" || char === "}") depth--;
    }
    return depth <= 0;
}

/** `count` spots of `kind` over the files, drawn by the seeded random order (repeatable). */
export function pickSpots(files: readonly PythonFile[], kind: "line" | "block", count: number, random: SeededRandom): QualitySpot[] {
    const all: { file: PythonFile; line: number }[] = [];
    for (const file of files) {
        for (const line of kind === "line" ? lineCandidates(file) : blockCandidates(file)) all.push({ file, line });
    }
    return random.shuffle(all).slice(0, count).map(({ file, line }) => (kind === "line" ? lineSpot(file, line, random) : blockSpot(file, line)));
}
