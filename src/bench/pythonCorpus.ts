// Real Python code for the benchmark: the standard library of the machine's python3 (found at run
// time, never copied into the repository) plus the repository's fixture workspace. From it: the
// functions the typing replay retypes, and a long file for the overhead measurement.
import { execFile } from "node:child_process";
import { readdir, readFile } from "node:fs/promises";
import * as path from "node:path";
import { bracketDepthChange } from "../core/python/brackets";
import type { SeededRandom } from "./seededRandom";

export interface PythonFile {
    readonly path: string;
    readonly lines: readonly string[];
}

/** A function of a file: lines [startLine, endLine) (no trailing blank lines). */
export interface PythonFunction {
    readonly file: PythonFile;
    readonly name: string;
    readonly startLine: number;
    readonly endLine: number;
    /** Leading whitespace of the `def` line. */
    readonly indent: string;
    /** The function's text without the first line's indentation (what the replay types). */
    readonly text: string;
}

export interface FunctionFilter {
    readonly minLines: number;
    readonly maxLines: number;
    readonly minCharacters: number;
    readonly maxCharacters: number;
    readonly maxLineLength: number;
}

/** The stdlib folder of `python3` (sysconfig's "stdlib" path), or an error saying what failed. */
export function locatePythonStdlib(python = "python3"): Promise<string> {
    return new Promise((resolve, reject) => {
        execFile(python, ["-c", "import sysconfig; print(sysconfig.get_paths()['stdlib'])"], { timeout: 15_000, encoding: "utf8" }, (error, stdout) => {
            if (error) {
                reject(new Error(`Could not ask ${python} for its standard library folder (${error.message}). Install Python 3 or put python3 on PATH.`));
                return;
            }
            resolve(stdout.trim());
        });
    });
}

/** The .py files directly in `directory`, sorted by name (not recursive: no tests, no site-packages). */
export async function listPythonFiles(directory: string): Promise<string[]> {
    let entries;
    try {
        entries = await readdir(directory, { withFileTypes: true });
    } catch {
        return [];
    }
    return entries
        .filter((entry) => entry.isFile() && entry.name.endsWith(".py"))
        .map((entry) => path.join(directory, entry.name))
        .sort();
}

export async function readPythonFile(filePath: string): Promise<PythonFile | undefined> {
    let text: string;
    try {
        text = await readFile(filePath, "utf8");
    } catch {
        return undefined;
    }
    if (text.includes("\r") || text.includes("\t") || text.includes("\u0000")) return undefined; // keep columns simple
    return { path: filePath, lines: text.split("\n") };
}

const DEF_LINE = /^([ ]*)(?:async[ ]+)?def[ ]+(\w+)/;

function indentOf(line: string): number {
    let width = 0;
    while (width < line.length && line.charCodeAt(width) === 32) width++;
    return width;
}

/** Line where the `def` statement's header ends (its parentheses closed and a `:` at the end), or -1. */
function headerEnd(lines: readonly string[], defLine: number): number {
    let depth = 0;
    for (let index = defLine; index < Math.min(lines.length, defLine + 20); index++) {
        const line = lines[index]!;
        depth += bracketDepthChange(line);
        if (depth === 0 && /:\s*(#.*)?$/.test(line)) return index;
    }
    return -1;
}

/** Functions (and methods) of a file that pass the filter. */
export function findFunctions(file: PythonFile, filter: FunctionFilter): PythonFunction[] {
    const functions: PythonFunction[] = [];
    const lines = file.lines;
    for (let defLine = 0; defLine < lines.length; defLine++) {
        const match = DEF_LINE.exec(lines[defLine]!);
        if (!match) continue;
        const defIndent = match[1]!.length;
        const header = headerEnd(lines, defLine);
        if (header < 0) continue;
        let end = header + 1;
        while (end < lines.length) {
            const line = lines[end]!;
            if (line.trim().length > 0 && indentOf(line) <= defIndent) break;
            end++;
        }
        while (end > header + 1 && lines[end - 1]!.trim().length === 0) end--;
        const body = lines.slice(defLine, end);
        const lineCount = body.length;
        const text = body.join("\n").slice(defIndent);
        if (lineCount < filter.minLines || lineCount > filter.maxLines) continue;
        if (text.length < filter.minCharacters || text.length > filter.maxCharacters) continue;
        if (body.some((line) => line.length > filter.maxLineLength || /[^\x20-\x7e]/.test(line))) continue;
        functions.push({ file, name: match[2]!, startLine: defLine, endLine: end, indent: match[1]!, text });
    }
    return functions;
}

/**
 * Up to `count` functions from different files, chosen by the seeded random order of the files:
 * repeatable for one Python version.
 */
export async function pickFunctions(files: readonly string[], count: number, filter: FunctionFilter, random: SeededRandom): Promise<PythonFunction[]> {
    const picked: PythonFunction[] = [];
    for (const filePath of random.shuffle(files)) {
        if (picked.length >= count) break;
        const file = await readPythonFile(filePath);
        if (!file || file.lines.length < 30) continue;
        const candidates = findFunctions(file, filter);
        if (candidates.length === 0) continue;
        picked.push(candidates[Math.floor(random.next() * candidates.length)]!);
    }
    return picked;
}

/**
 * A file of exactly `lineCount` lines made of whole stdlib files one after another (the first
 * one's imports and docstring make a real file header), cut at the line count.
 */
export async function synthesizeLongFile(files: readonly string[], lineCount: number): Promise<string[]> {
    const lines: string[] = [];
    for (const filePath of files) {
        if (lines.length >= lineCount) break;
        const file = await readPythonFile(filePath);
        if (!file) continue;
        lines.push(...file.lines);
    }
    if (lines.length < lineCount) throw new Error(`The Python files found hold only ${lines.length} lines; the overhead measurement needs ${lineCount}.`);
    return lines.slice(0, lineCount);
}
