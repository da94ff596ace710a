// Which modules of the project a document imports, and which of their names: the input of the
// project context. Reads the document's top-level import statements (the same scanner the explain
// prompt uses) and resolves module names to files of the workspace, never to installed packages.
import { parseImportStatement, topLevelImports } from "../python/imports";
import type { DocumentSnapshot } from "../types";

export interface ImportedModule {
    /** Dotted module name as written, with its leading dots (`.models`, `pkg.util`). */
    readonly module: string;
    /**
     * Names imported from it (`from .models import User, Group` -> ["User", "Group"]); undefined
     * for a whole-module import (`import pkg.util as u`), whose public entries are all of interest.
     */
    readonly names?: readonly string[];
    /** Lines of the import statement (0-based), where an editor's definition provider can be asked. */
    readonly line: number;
    readonly endLine: number;
}

/** The document's imports, one entry per module, in file order. `__future__` and `*` are left out. */
export function importedModules(document: DocumentSnapshot): ImportedModule[] {
    const modules: ImportedModule[] = [];
    for (const { statement, line, endLine } of topLevelImports(document)) {
        const parsed = parseImportStatement(statement);
        if (parsed === undefined) continue;
        if (parsed.fromModule === undefined) {
            for (const name of parsed.names) modules.push({ module: targetOf(name.clause), line, endLine });
            continue;
        }
        modules.push({ module: parsed.fromModule, names: parsed.names.map((name) => targetOf(name.clause)), line, endLine });
    }
    return modules;
}

/** `User as U` -> `User`; `pkg.util` -> `pkg.util`. */
function targetOf(clause: string): string {
    return clause.split(/\s+as\s+/)[0].trim();
}

/**
 * Candidate files for a module, most likely first, as paths relative to the workspace root
 * (posix separators). `fromFile` is the importing file's relative path. Relative modules resolve
 * against the importing file's package; absolute ones against the root and the importing file's
 * own folder (scripts that import their siblings).
 */
export function moduleFileCandidates(fromFile: string, module: string): string[] {
    const dots = /^\.*/.exec(module)?.[0].length ?? 0;
    const parts = module.slice(dots).split(".").filter((part) => part.length > 0);
    const fromFolder = fromFile.split("/").slice(0, -1);
    const bases: string[][] = [];
    if (dots > 0) {
        if (dots - 1 > fromFolder.length) return [];
        bases.push(fromFolder.slice(0, fromFolder.length - (dots - 1)));
    } else {
        bases.push([]);
        if (fromFolder.length > 0) bases.push(fromFolder);
    }
    const candidates: string[] = [];
    for (const base of bases) {
        const stem = [...base, ...parts];
        if (stem.length === 0) continue;
        if (parts.length > 0) candidates.push(`${stem.join("/")}.py`);
        candidates.push(`${stem.join("/")}/__init__.py`);
    }
    return candidates;
}
