// The one import scanner: which lines start a top-level import statement, the statement joined
// onto one line, and what it binds. Used by the file header of the completion prompt, the explain
// prompt's imports, the project context and the quality benchmark.
import type { DocumentSnapshot } from "../types";
import { withoutComment } from "./pythonScanner";
import { linesStartingInsideString, statementEndLine } from "./statementLines";

/** A parenthesised import longer than this is not one we parse. */
const MAX_IMPORT_LINES = 40;

/**
 * A line (without its indentation) that starts an import statement: the keyword `import` or
 * `from`, then whitespace, a backslash continuation or (for `from.pkg import x`) a dot. Both are
 * keywords, so nothing else starts with them; whether the rest is complete is the parser's business.
 */
const IMPORT_START = /^(?:import[\s\\]|from[\s\\.])/;

export function startsImport(code: string): boolean {
    return IMPORT_START.test(code);
}

export interface ImportedName {
    /** The name bound in the module (`np` for `import numpy as np`). */
    readonly bound: string;
    /** How to write it back (`numpy as np`). */
    readonly clause: string;
}

export interface ImportStatement {
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

/** The import statement starting on `line`, joined onto one line, and its last line. */
export function importStatementAt(document: DocumentSnapshot, line: number, limit = document.lineCount): { readonly statement: string; readonly lastLine: number } {
    // Parenthesised or backslash-continued imports span lines.
    const end = statementEndLine(document, line, Math.min(limit, line + MAX_IMPORT_LINES + 1));
    const lastLine = end < 0 ? Math.min(limit, line + MAX_IMPORT_LINES + 1) - 1 : end;
    let statement = withoutComment(document.lineAt(line));
    for (let next = line + 1; next <= lastLine; next++) statement += " " + withoutComment(document.lineAt(next));
    return { statement: statement.replace(/\s+/g, " ").trim(), lastLine };
}

/** Top-level import statements of the document, each joined onto one line. */
export function topLevelImports(document: DocumentSnapshot): { readonly statement: string; readonly line: number; readonly endLine: number }[] {
    const insideString = linesStartingInsideString(document);
    const statements: { statement: string; line: number; endLine: number }[] = [];
    for (let line = 0; line < document.lineCount; line++) {
        if (insideString[line] || !startsImport(document.lineAt(line))) continue;
        const { statement, lastLine } = importStatementAt(document, line);
        statements.push({ statement, line, endLine: lastLine });
        line = lastLine;
    }
    return statements;
}

/**
 * Where `name` is used as a name of its own in `text`, from `fromIndex` on: not as an attribute
 * (`x.name`) and not inside a longer name. -1 when it is not used.
 */
export function indexOfName(text: string, name: string, fromIndex = 0): number {
    const pattern = new RegExp(`(?<![\\w.])${name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}(?!\\w)`, "g");
    pattern.lastIndex = fromIndex;
    return pattern.exec(text)?.index ?? -1;
}
