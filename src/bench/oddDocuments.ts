// Odd documents through the same engine and host as the extension: a huge file, a huge line, every
// line ending, tabs and mixed indentation, non-ASCII text, NUL bytes, a BOM, notebook-cell text and
// the cursor at the edges of the file and inside a surrogate pair. Per case: time, host and CLI
// memory, whether a suggestion was shown and whether it was safe (the engine's syntax guard
// verdict, and an independent whole-file parse and duplicate check). An exception is a failure of
// the case, reported, never thrown.
import type { CompletionEngine } from "../core/completion/CompletionEngine";
import { createTextSnapshot } from "../core/python/textSnapshot";
import type { DocumentSnapshot, Position } from "../core/types";
import type { ShownSuggestionChecker } from "./ShownSuggestionChecker";
import { TypedDocument } from "./TypedDocument";
import { errorText } from "../core/errorText";

export interface OddDocumentCase {
    readonly name: string;
    readonly uri: string;
    readonly text: string;
    readonly position: Position;
}

export interface OddDocumentResult {
    readonly name: string;
    readonly lines: number;
    readonly characters: number;
    readonly position: Position;
    readonly ms: number;
    /** Pipeline time that is not the model (window, prompt, rules, guard). */
    readonly overheadMs: number;
    readonly hostRssMb: number;
    readonly cliRssMb: number;
    readonly shown: boolean;
    /** Why nothing was shown (the engine's reason), when nothing was. */
    readonly reason: string | null;
    /** The syntax guard's verdict on the model's text, when it ran. */
    readonly guard: "kept" | "cut" | "dropped" | null;
    /** For a shown suggestion: it adds no parse error to the whole file and repeats nothing after the cursor. */
    readonly safe: boolean | null;
    readonly problem: string | null;
    /** The message of an exception the case threw (a failure). */
    readonly error: string | null;
}

export interface OddDocumentsReport {
    readonly cases: readonly OddDocumentResult[];
    readonly exceptions: number;
    readonly unsafeShown: number;
    readonly worstMs: number;
    readonly worstOverheadMs: number;
    readonly maxHostRssMb: number;
    /** The CLI's peak RSS over the whole bench run so far (getrusage). */
    readonly cliPeakRssMb: number;
}

const HUGE_FILE_LINES = 50_000;
const HUGE_LINE_CHARACTERS = 2_000_000;

function pythonBlock(index: number, indent: string): string[] {
    return [
        `def compute_${index}(values, limit=${index % 7 + 1}):`,
        `${indent}"""Return the values of batch ${index} above the limit."""`,
        `${indent}result = [v * ${index % 5 + 2} for v in values if v > limit]`,
        `${indent}return sorted(result)`,
        "",
    ];
}

function endOf(text: string): Position {
    const snapshot = createTextSnapshot(text);
    const line = snapshot.lineCount - 1;
    return { line, character: snapshot.lineAt(line).length };
}

/** A 50,000-line file with the cursor in a function body in the middle. */
function hugeFile(): OddDocumentCase {
    const lines: string[] = ["import os", ""];
    for (let index = 0; lines.length < HUGE_FILE_LINES / 2; index++) lines.push(...pythonBlock(index, "    "));
    const cursorLine = lines.length + 1;
    lines.push("def middle_of_the_file(values):", "    total = ");
    for (let index = 100_000; lines.length < HUGE_FILE_LINES; index++) lines.push(...pythonBlock(index, "    "));
    return { name: "50,000 lines", uri: "file:///odd/huge_file.py", text: lines.slice(0, HUGE_FILE_LINES).join("\n"), position: { line: cursorLine, character: "    total = ".length } };
}

/** One 2 MB line (generated data), the cursor at its end. */
function hugeLine(): OddDocumentCase {
    const parts: string[] = [];
    let length = "DATA = [".length;
    for (let index = 0; length < HUGE_LINE_CHARACTERS; index++) {
        const part = `${(index * 7919) % 100_000}, `;
        parts.push(part);
        length += part.length;
    }
    const line = `DATA = [${parts.join("")}`;
    return { name: "2 MB single line", uri: "file:///odd/huge_line.py", text: `${line}\n]\n`, position: { line: 0, character: line.length } };
}

export function oddDocumentCases(): OddDocumentCase[] {
    const crlf = [...pythonBlock(1, "    "), "def area(radius):", "    "].join("\r\n");
    const loneCr = [...pythonBlock(2, "    "), "def area(radius):", "    "].join("\r");
    const tabs = ["class Shape:", "\tdef __init__(self, sides):", "\t\tself.sides = sides", "", "\tdef perimeter(self, length):", "\t\t"].join("\n");
    const mixed = ["def mixed(values):", "    if values:", "\treturn values", "    for v in values:", "    \tprint(v)", "    "].join("\n");
    const nonAscii = ["def größe(länge, 宽度):", "    面积 = länge * 宽度", "    return "].join("\n");
    const emoji = ['GREETING = "hello 👋"', "def celebrate(name):", '    print("🎉 '].join("\n");
    const nul = ['SEPARATOR = "a\0b"', "def split_record(record):", "    parts = record.split(SEPARATOR)\0", "    "].join("\n");
    const bom = `\uFEFF${[...pythonBlock(3, "    "), "def main():", "    "].join("\n")}`;
    const notebook = ["%matplotlib inline", "!pip install requests", "import numpy as np", "values = np.arange(10)", "values."].join("\n");
    const normal = [...pythonBlock(4, "    "), "def last():", "    return compute_4([1, 2, 3])"].join("\n");
    const surrogate = ['FACE = "😀"', "def smile():", "    return FACE"].join("\n");
    return [
        hugeFile(),
        hugeLine(),
        { name: "CRLF line endings", uri: "file:///odd/crlf.py", text: crlf, position: endOf(crlf) },
        { name: "lone CR line endings", uri: "file:///odd/lone_cr.py", text: loneCr, position: endOf(loneCr) },
        { name: "tab indentation", uri: "file:///odd/tabs.py", text: tabs, position: endOf(tabs) },
        { name: "mixed tabs and spaces", uri: "file:///odd/mixed.py", text: mixed, position: endOf(mixed) },
        { name: "non-ASCII identifiers", uri: "file:///odd/non_ascii.py", text: nonAscii, position: endOf(nonAscii) },
        { name: "emoji before the cursor", uri: "file:///odd/emoji.py", text: emoji, position: endOf(emoji) },
        { name: "NUL bytes", uri: "file:///odd/nul.py", text: nul, position: endOf(nul) },
        { name: "byte order mark", uri: "file:///odd/bom.py", text: bom, position: endOf(bom) },
        { name: "notebook cell (magics, shell escape)", uri: "vscode-notebook-cell:/odd/analysis.ipynb#W2sZmlsZQ%3D%3D", text: notebook, position: endOf(notebook) },
        { name: "cursor at the start of the file", uri: "file:///odd/start.py", text: normal, position: { line: 0, character: 0 } },
        { name: "cursor at the end of the file", uri: "file:///odd/end.py", text: normal, position: endOf(normal) },
        // Between the two UTF-16 code units of the emoji: an editor never puts the cursor there, an API caller can.
        { name: "cursor inside a surrogate pair", uri: "file:///odd/surrogate.py", text: surrogate, position: { line: 0, character: 'FACE = "'.length + 1 } },
    ];
}

function megabytes(bytes: number): number {
    return Math.round(bytes / 1e5) / 10;
}

function linesOf(document: DocumentSnapshot): string[] {
    return Array.from({ length: document.lineCount }, (_, line) => document.lineAt(line));
}

export interface OddDocumentsOptions {
    readonly engine: CompletionEngine;
    readonly checker: ShownSuggestionChecker;
    readonly hostRssBytes: () => Promise<number>;
    readonly progress?: (message: string) => void;
    readonly cases?: readonly OddDocumentCase[];
}

async function runCase(options: OddDocumentsOptions, oddCase: OddDocumentCase): Promise<OddDocumentResult> {
    const start = performance.now();
    let document: DocumentSnapshot | undefined;
    const base = { name: oddCase.name, characters: oddCase.text.length, position: oddCase.position };
    try {
        document = createTextSnapshot(oddCase.text, { uri: oddCase.uri });
        const outcome = await options.engine.complete({ document, position: oddCase.position, signal: new AbortController().signal, trigger: "explicit" });
        const ms = performance.now() - start;
        const insertText = outcome.suggestion?.insertText;
        let safe: boolean | null = null;
        let problem: string | null = null;
        if (insertText !== undefined) {
            const check = options.checker.check(new TypedDocument(oddCase.uri, linesOf(document), oddCase.position), oddCase.position, insertText.replace(/\r\n/g, "\n"));
            safe = check.suffixDuplicate === undefined && check.errorsAfter <= check.errorsBefore;
            if (!safe) problem = check.suffixDuplicate ? `duplicates the ${check.suffixDuplicate}` : `parse errors ${check.errorsBefore} -> ${check.errorsAfter}`;
        }
        return {
            ...base, lines: document.lineCount, ms: Math.round(ms), overheadMs: Math.round(outcome.stats.overheadMs * 10) / 10,
            hostRssMb: megabytes(await options.hostRssBytes()), cliRssMb: megabytes(process.memoryUsage().rss),
            shown: insertText !== undefined, reason: outcome.reason ?? null, guard: outcome.stats.syntaxGuard?.action ?? null, safe, problem, error: null,
        };
    } catch (error) {
        return {
            ...base, lines: document?.lineCount ?? 0, ms: Math.round(performance.now() - start), overheadMs: 0,
            hostRssMb: megabytes(await options.hostRssBytes().catch(() => 0)), cliRssMb: megabytes(process.memoryUsage().rss),
            shown: false, reason: null, guard: null, safe: null, problem: null, error: errorText(error),
        };
    }
}

export async function runOddDocuments(options: OddDocumentsOptions): Promise<OddDocumentsReport> {
    const cases: OddDocumentResult[] = [];
    for (const oddCase of options.cases ?? oddDocumentCases()) {
        options.progress?.(`odd document: ${oddCase.name}`);
        cases.push(await runCase(options, oddCase));
    }
    return {
        cases,
        exceptions: cases.filter((result) => result.error !== null).length,
        unsafeShown: cases.filter((result) => result.safe === false).length,
        worstMs: Math.max(...cases.map((result) => result.ms)),
        worstOverheadMs: Math.max(...cases.map((result) => result.overheadMs)),
        maxHostRssMb: Math.max(...cases.map((result) => result.hostRssMb)),
        cliPeakRssMb: megabytes(process.resourceUsage().maxRSS * 1024),
    };
}
