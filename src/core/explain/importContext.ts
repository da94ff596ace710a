// The file's imports that help explain a piece of code: the top-level imports whose names the
// code uses (`np.mean` is much clearer with `import numpy as np` next to it). Unused imports are
// left out: they cost prompt tokens and invite the model to explain them instead.
import { indexOfName, parseImportStatement, topLevelImports, type ImportedName, type ImportStatement } from "../python/imports";
import type { DocumentSnapshot } from "../types";

/** More imports than this is noise for a base model (and for the reader). */
export const MAX_IMPORT_STATEMENTS = 12;

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
        const used = parsed.names.filter((name) => indexOfName(code, name.bound) >= 0);
        if (used.length === 0) continue;
        result.push(formatStatement(parsed, used));
        if (result.length >= MAX_IMPORT_STATEMENTS) break;
    }
    return result;
}
