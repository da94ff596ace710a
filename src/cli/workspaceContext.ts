// Project context for one headless request (CLI `complete --workspace`, the benchmark): the same
// ProjectContext the extension uses, over files on disk, with its own Python parser.
import { NO_PROJECT_CONTEXT, ProjectContext } from "../core/context/ProjectContext";
import type { ProjectContextMode, RenderedProjectContext } from "../core/context/ProjectContext";
import type { RecentSnippet } from "../core/context/RecentSnippets";
import { loadPythonParser } from "../core/syntax/pythonParser";
import type { DocumentSnapshot } from "../core/types";
import type { DiskProjectFiles } from "./DiskProjectFiles";
import { locateTreeSitterWasmDirectory } from "./treeSitterWasm";

/** A ProjectContext over a workspace on disk; dispose() frees its parser. */
export async function createWorkspaceContext(files: DiskProjectFiles): Promise<{ context: ProjectContext; dispose(): void }> {
    const parser = await loadPythonParser(locateTreeSitterWasmDirectory());
    return { context: new ProjectContext(files, (source) => parser.parse(source)), dispose: () => parser.delete() };
}

export async function renderWorkspaceContext(
    files: DiskProjectFiles,
    filePath: string,
    document: DocumentSnapshot,
    mode: ProjectContextMode,
    budgetTokens: number,
    recent?: readonly RecentSnippet[],
): Promise<RenderedProjectContext> {
    if (mode === "none") return NO_PROJECT_CONTEXT;
    const { context, dispose } = await createWorkspaceContext(files);
    try {
        return await context.render({ document, relativePath: files.relativePathOf(filePath), budgetTokens, mode, recent });
    } finally {
        dispose();
    }
}
