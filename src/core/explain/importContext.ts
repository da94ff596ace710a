// The file's imports that help explain a piece of code: the top-level imports whose names the
// code uses (`np.mean` is much clearer with `import numpy as np` next to it). Unused imports are
// left out: they cost prompt tokens and invite the model to explain them instead.
import type { DocumentSnapshot } from "../types";
import { linesStartingInsideString } from "./pythonBlocks";

/** More imports than this is noise for a base model (and for the reader). */
export const MAX_IMPORT_STATEMENTS = 12;
/** A parenthesised import longer than this is not one we parse. */
const MAX_IMPORT_LINES = 40;

interface ImportedName {
    /** The name bound in the module (`np` for `import numpy as np`). */
    readonly bound: string;
    /** How to write it back (`numpy as np`). */
    readonly clause: string;
}

interface ImportStatement {
    /** `from x` part for from-imports; undefined for plain `import`. */
    readonly fromModule?: string;
    readonly names: readonly ImportedName[];
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

function parseClause(clause: string, isFrom: boolean): ImportedName | undefined {
    const match = /^([A-Za-z_][\w.]*)(?:\s+as\s+([A-Za-z_]\w*))?$/.exec(clause.trim());
    if (match === null) return undefined;
    const [, target, alias] = match;
    // `import os.path` binds `os`; `from a import b` binds `b`.
    const bound = alias ?? (isFrom ? target : target.split(".")[0]);
    if (!IDENTIFIER.test(bound)) return undefined;
    return { bound, clause: alias === undefined ? target : `${target} as ${alias}` };
}

/** Parses one import statement (already joined onto one line, comments removed). */
export function parseImportStatement(statement: string): ImportStatement | undefined {
    const text = statement.replace(/[()]/g, " ").replace(/\\\s*/g, " ").trim();
    const fromMatch = /^from\s+(\.*[\w.]*)\s+import\s+(.+)$/.exec(text);
    if (fromMatch !== null) {
        const [, module, rest] = fromMatch;
        if (module === "__future__" || rest.trim() === "*") return undefined;
        const names = rest.split(",").filter((part) => part.trim() !== "").map((part) => parseClause(part, true));
        if (names.some((name) => name === undefined)) return undefined;
        return { fromModule: module, names: names as ImportedName[] };
    }
    const importMatch = /^import\s+(.+)$/.exec(text);
    if (importMatch !== null) {
        const names = importMatch[1].split(",").map((part) => parseClause(part, false));
        if (names.some((name) => name === undefined)) return undefined;
        return { names: names as ImportedName[] };
    }
    return undefined;
}

function stripComment(line: string): string {
    const hash = line.indexOf("#");
    return hash < 0 ? line : line.slice(0, hash);
}

/** Top-level import statements of the document, each joined onto one line. */
export function topLevelImports(document: DocumentSnapshot): { readonly statement: string; readonly line: number; readonly endLine: number }[] {
    const insideString = linesStartingInsideString(document);
    const statements: { statement: string; line: number; endLine: number }[] = [];
    for (let line = 0; line < document.lineCount; line++) {
        const text = document.lineAt(line);
        if (insideString[line] || !/^(?:import|from)\s/.test(text)) continue;
        let statement = stripComment(text);
        let last = line;
        // Parenthesised or backslash-continued imports span lines.
        const open = () => (statement.match(/\(/g)?.length ?? 0) > (statement.match(/\)/g)?.length ?? 0);
        while ((open() || /\\\s*$/.test(statement)) && last + 1 < document.lineCount && last - line < MAX_IMPORT_LINES) {
            last++;
            statement += " " + stripComment(document.lineAt(last));
        }
        statements.push({ statement: statement.replace(/\s+/g, " ").trim(), line, endLine: last });
        line = last;
    }
    return statements;
}

function usesName(code: string, name: string): boolean {
    return new RegExp(`(?<![\\w.])${name}(?!\\w)`).test(code);
}

function formatStatement(statement: ImportStatement, names: readonly ImportedName[]): string {
    const clauses = names.map((name) => name.clause).join(", ");
    return statement.fromModule === undefined ? `import ${clauses}` : `from ${statement.fromModule} import ${clauses}`;
}

/**
 * The imports the code uses, reduced to the names it uses, in file order. Imports written inside
 * the code itself (or at lines it covers) are not repeated.
 */
export function relevantImports(
    document: DocumentSnapshot,
    code: string,
    codeLines?: { readonly startLine: number; readonly endLine: number },
): string[] {
    const result: string[] = [];
    for (const { statement, line } of topLevelImports(document)) {
        if (codeLines !== undefined && line >= codeLines.startLine && line <= codeLines.endLine) continue;
        const parsed = parseImportStatement(statement);
        if (parsed === undefined) continue;
        const used = parsed.names.filter((name) => usesName(code, name.bound));
        if (used.length === 0) continue;
        result.push(formatStatement(parsed, used));
        if (result.length >= MAX_IMPORT_STATEMENTS) break;
    }
    return result;
}
