// Project context for the completion prompt: the definitions a document imports from other files
// of the workspace (signatures, class headers with methods, docstring first lines, constants), and
// optionally snippets of recently visited files, rendered as Python a base model continues:
//
//     # file: pkg/models.py
//     class User(Base):
//         def __init__(self, name): ...
//
//     # file: pkg/views.py          <- the current file's marker, then its own text
//
// It goes at the very start of the prompt, so it must be STABLE: it depends only on the document's
// import statements (not on the code near the cursor) and on the imported files' contents, so it
// changes when an import or an imported file changes, never on an ordinary keystroke, and the KV
// cache keeps it. Entries are cut whole, in import order, to the token budget.
import type { Tree } from "@vscode/tree-sitter-wasm";
import { estimateLineTokens } from "../tokenEstimate";
import type { DocumentSnapshot } from "../types";
import { importedModules, moduleFileCandidates } from "./localImports";
import type { ImportedModule } from "./localImports";
import { outlineModule } from "./pythonOutline";
import type { OutlineEntry } from "./pythonOutline";
import type { RecentSnippet } from "./RecentSnippets";

/** Which project context goes into the prompt. */
export type ProjectContextMode = "none" | "definitions" | "definitions+recent";
export const PROJECT_CONTEXT_MODES: readonly ProjectContextMode[] = ["none", "definitions", "definitions+recent"];
/**
 * What ships by default (phi2.context; package.json declares the same): the variant that measured
 * best. On the pocket model (context 512) definitions raised neither exact match nor keystrokes
 * saved, lowered the shown rate (50% -> 41.7%) and added ~22 evaluated tokens per request.
 */
export const DEFAULT_PROJECT_CONTEXT_MODE: ProjectContextMode = "none";

export interface ProjectFile {
    readonly text: string;
    /** Changes whenever the text does (an mtime, a document version). */
    readonly stamp: string;
}

/** Workspace files by path relative to the workspace root (posix separators). */
export interface ProjectFileSource {
    read(relativePath: string): Promise<ProjectFile | undefined>;
}

/**
 * Where a name imported on a line of the document is defined, as a path relative to the workspace
 * root, when the editor knows (a Python language server's definition provider). Asked only for
 * names that the module-path rules cannot resolve; answers undefined when it does not know.
 */
export type DefinitionLocator = (query: { readonly line: number; readonly endLine: number; readonly name: string }) => Promise<string | undefined>;

/** Parses Python source (tree-sitter); the caller owns the parser. */
export type PythonParse = (source: string) => Tree | null;

export interface ProjectContextRequest {
    readonly document: DocumentSnapshot;
    /** The document's path relative to the workspace root; undefined for a file outside it. */
    readonly relativePath: string | undefined;
    readonly budgetTokens: number;
    readonly mode: ProjectContextMode;
    /** Snippets of other files, most recent first (used with mode "definitions+recent"). */
    readonly recent?: readonly RecentSnippet[];
    /** The editor's definition lookup for names the module-path rules do not resolve (optional). */
    readonly locateDefinition?: DefinitionLocator;
}

export interface RenderedProjectContext {
    /** Text to put before the document's own text ("" when there is none); ends with "\n". */
    readonly text: string;
    readonly estimatedTokens: number;
    /** Files that contributed, for the log. */
    readonly files: readonly string[];
}

export const NO_PROJECT_CONTEXT: RenderedProjectContext = { text: "", estimatedTokens: 0, files: [] };

/** Files whose outline is kept (per path, replaced when the stamp changes). */
const OUTLINE_CACHE_ENTRIES = 256;
/**
 * A module larger than this is not read for context (generated code, data): it would cost a long
 * read and parse. File sources skip such files by size; the outline checks the text again.
 */
export const MAX_CONTEXT_FILE_BYTES = 1_000_000;

interface Section {
    readonly path: string;
    readonly entries: readonly OutlineEntry[];
}

export class ProjectContext {
    private readonly outlines = new Map<string, { stamp: string; entries: readonly OutlineEntry[] }>();

    constructor(private readonly files: ProjectFileSource, private readonly parse: PythonParse) {}

    async render(request: ProjectContextRequest): Promise<RenderedProjectContext> {
        if (request.mode === "none" || request.relativePath === undefined || request.budgetTokens <= 0) return NO_PROJECT_CONTEXT;
        const sections = await this.definitionSections(request.relativePath, importedModules(request.document), request.locateDefinition);
        const recent = request.mode === "definitions+recent" ? (request.recent ?? []).filter((snippet) => snippet.path !== request.relativePath) : [];
        return renderSections(sections, recent, request.relativePath, request.budgetTokens);
    }

    private async definitionSections(fromFile: string, modules: readonly ImportedModule[], locate: DefinitionLocator | undefined): Promise<Section[]> {
        const sections = new Map<string, OutlineEntry[]>();
        const add = (path: string, entries: readonly OutlineEntry[]): void => {
            const list = sections.get(path) ?? [];
            for (const entry of entries) if (!list.some((known) => known.name === entry.name)) list.push(entry);
            sections.set(path, list);
        };
        for (const imported of modules) {
            const found = await this.outlineOf(fromFile, imported.module);
            if (imported.names === undefined) {
                if (found) add(found.path, found.entries.filter((entry) => entry.public));
                continue;
            }
            for (const name of imported.names) {
                const entry = found?.entries.find((candidate) => candidate.name === name);
                if (found && entry) {
                    add(found.path, [entry]);
                    continue;
                }
                // `from . import models` / `from pkg import util`: the name is a submodule.
                const submodule = await this.outlineOf(fromFile, imported.module.endsWith(".") ? `${imported.module}${name}` : `${imported.module}.${name}`);
                if (submodule) {
                    add(submodule.path, submodule.entries.filter((entry) => entry.public));
                    continue;
                }
                // A layout the path rules do not know (src/ folders, sys.path tweaks): ask the editor.
                const located = locate && (await this.locatedEntry(locate, imported, name));
                if (located) add(located.path, [located.entry]);
            }
        }
        return [...sections].filter(([path]) => path !== fromFile).map(([path, entries]) => ({ path, entries }));
    }

    private async locatedEntry(locate: DefinitionLocator, imported: ImportedModule, name: string): Promise<{ path: string; entry: OutlineEntry } | undefined> {
        const path = await locate({ line: imported.line, endLine: imported.endLine, name });
        if (path === undefined) return undefined;
        const entry = (await this.outlineOfFile(path))?.find((candidate) => candidate.name === name);
        return entry && { path, entry };
    }

    private async outlineOf(fromFile: string, module: string): Promise<{ path: string; entries: readonly OutlineEntry[] } | undefined> {
        for (const path of moduleFileCandidates(fromFile, module)) {
            const entries = await this.outlineOfFile(path);
            if (entries) return { path, entries };
        }
        return undefined;
    }

    /** The outline of one workspace file (cached by its stamp); undefined when it cannot be read. */
    private async outlineOfFile(path: string): Promise<readonly OutlineEntry[] | undefined> {
        const file = await this.files.read(path);
        if (file === undefined) return undefined;
        const cached = this.outlines.get(path);
        if (cached && cached.stamp === file.stamp) return cached.entries;
        const entries = file.text.length > MAX_CONTEXT_FILE_BYTES ? [] : this.outlineText(file.text);
        if (this.outlines.size >= OUTLINE_CACHE_ENTRIES) this.outlines.delete(this.outlines.keys().next().value as string);
        this.outlines.set(path, { stamp: file.stamp, entries });
        return entries;
    }

    private outlineText(text: string): readonly OutlineEntry[] {
        const tree = this.parse(text);
        if (!tree) return [];
        try {
            return outlineModule(tree.rootNode);
        } finally {
            tree.delete();
        }
    }
}

/**
 * The context text within the budget: definitions first (whole entries, in import order), then
 * recent snippets while room is left, then the current file's marker.
 */
export function renderSections(sections: readonly Section[], recent: readonly RecentSnippet[], currentPath: string, budgetTokens: number): RenderedProjectContext {
    const marker = fileMarker(currentPath);
    let used = estimateLineTokens(marker);
    const blocks: string[][] = [];
    const files: string[] = [];
    const fits = (lines: readonly string[]): boolean => {
        const cost = lines.reduce((sum, line) => sum + estimateLineTokens(line), 0);
        if (used + cost > budgetTokens) return false;
        used += cost;
        return true;
    };
    for (const section of sections) {
        const header = fileMarker(section.path);
        const block: string[] = [];
        for (const entry of section.entries) {
            const lines = block.length === 0 ? [header, ...entry.lines] : entry.lines;
            if (fits(lines)) block.push(...lines);
        }
        if (block.length > 0) {
            blocks.push(block);
            files.push(section.path);
        }
    }
    for (const snippet of recent) {
        const lines = [fileMarker(snippet.path), ...snippet.lines];
        if (!fits(lines)) continue;
        blocks.push(lines);
        if (!files.includes(snippet.path)) files.push(snippet.path);
    }
    if (blocks.length === 0) return NO_PROJECT_CONTEXT;
    const text = blocks.map((block) => block.join("\n")).join("\n\n") + `\n\n${marker}\n`;
    return { text, estimatedTokens: used, files };
}

function fileMarker(path: string): string {
    return `# file: ${path}`;
}
