// The editor's project context: definitions a Python document imports from other files of its
// workspace folder, and (optionally) snippets of recently visited Python files, rendered by the
// core's ProjectContext. Open editors are read first (unsaved text counts), then the disk.
//
// A keystroke must never wait for files: the rendered context is cached per document and keyed
// by what it depends on (the document's import lines, found again only after an edit that may
// have changed them, the context mode, the ring of snippets and a
// generation counter bumped when any Python file is saved). A request uses the cached text at
// once; on a miss it waits for the render at most RENDER_WAIT_MS and otherwise goes on without
// context (the render finishes in the background for the next request).
//
// Names the module-path rules cannot resolve (a src/ layout, sys.path tweaks) are looked up with
// the editor's definition provider (a Python language server, when one is installed). That runs
// inside the background render, at most DEFINITION_WAIT_MS per name, and only when the imports
// change: no keystroke waits for a language server.
import type { Parser } from "@vscode/tree-sitter-wasm";
import * as vscode from "vscode";
import { MAX_CONTEXT_FILE_BYTES, NO_PROJECT_CONTEXT, ProjectContext } from "../core/context/ProjectContext";
import type { DefinitionLocator, ProjectContextMode, ProjectFile, ProjectFileSource, RenderedProjectContext } from "../core/context/ProjectContext";
import { editMayChangeImports } from "../core/context/importEdits";
import { RecentSnippets } from "../core/context/RecentSnippets";
import { indexOfName, topLevelImports } from "../core/python/imports";
import type { DocumentSnapshot } from "../core/types";
import { loadPythonParser } from "../core/syntax/pythonParser";
import { errorText } from "../core/errorText";

/** Longest a request waits for a context that is not cached yet (reading and outlining a few files). */
const RENDER_WAIT_MS = 40;
/** Longest the background render waits for the definition provider's answer about one name. */
const DEFINITION_WAIT_MS = 250;
/** Rendered contexts kept (one per recently used document). */
const RENDER_CACHE_ENTRIES = 32;

interface CachedRender {
    readonly key: string;
    readonly result: Promise<RenderedProjectContext>;
    settled?: RenderedProjectContext;
}

export interface ProjectContextServiceOptions {
    readonly wasmDirectory: string | undefined;
    readonly log: vscode.LogOutputChannel;
    readonly mode: () => ProjectContextMode;
}

export class ProjectContextService implements vscode.Disposable {
    private parser: Promise<Parser | undefined> | undefined;
    /** One per workspace folder: module paths resolve inside the document's own folder. */
    private readonly contexts = new Map<string, ProjectContext>();
    private readonly renders = new Map<string, CachedRender>();
    /** Per open document: its import statements (the render key) and the last line they occupy. */
    private readonly imports = new Map<string, { readonly key: string; readonly lastLine: number }>();
    private readonly recent = new RecentSnippets();
    private savedGeneration = 0;
    private recentGeneration = 0;
    private lastEditor: { document: vscode.TextDocument; line: number } | undefined;
    private readonly subscriptions: vscode.Disposable[] = [];

    constructor(private readonly options: ProjectContextServiceOptions) {
        this.subscriptions.push(
            vscode.workspace.onDidSaveTextDocument((document) => {
                if (document.languageId === "python") this.savedGeneration++;
            }),
            vscode.workspace.onDidChangeTextDocument((event) => this.onDocumentChange(event)),
            vscode.workspace.onDidCloseTextDocument((document) => this.imports.delete(document.uri.toString())),
            vscode.window.onDidChangeActiveTextEditor((editor) => this.onActiveEditor(editor)),
            vscode.window.onDidChangeTextEditorSelection((event) => {
                if (event.textEditor === vscode.window.activeTextEditor) this.lastEditor = { document: event.textEditor.document, line: event.selections[0]?.active.line ?? 0 };
            }),
        );
    }

    /** The context for a request on `document` (cached; see the file comment). */
    async contextFor(document: vscode.TextDocument, snapshot: DocumentSnapshot, budgetTokens: number): Promise<RenderedProjectContext> {
        const mode = this.options.mode();
        const folder = vscode.workspace.getWorkspaceFolder(document.uri);
        const relativePath = folder && relativePathOf(document.uri);
        if (mode === "none" || !folder || relativePath === undefined || budgetTokens <= 0) return NO_PROJECT_CONTEXT;
        const uri = document.uri.toString();
        const recentKey = mode === "definitions+recent" ? this.recentGeneration : 0;
        const key = `${mode}|${budgetTokens}|${this.savedGeneration}|${recentKey}|${this.importsKey(uri, snapshot)}`;
        const cached = this.renders.get(uri);
        if (cached && cached.key === key) return cached.settled ?? (await withTimeout(cached.result, RENDER_WAIT_MS)) ?? NO_PROJECT_CONTEXT;
        const render: CachedRender = {
            key,
            result: this.render(folder, document, snapshot, relativePath, budgetTokens, mode).catch((error: unknown) => {
                this.options.log.warn(`Project context for ${relativePath} failed: ${errorText(error)}`);
                return NO_PROJECT_CONTEXT;
            }),
        };
        void render.result.then((result) => (render.settled = result));
        this.renders.delete(uri);
        this.renders.set(uri, render);
        if (this.renders.size > RENDER_CACHE_ENTRIES) this.renders.delete(this.renders.keys().next().value as string);
        // Until the new render is ready, the previous one (if any) is the better guess than none:
        // it is what the KV cache holds.
        return (await withTimeout(render.result, RENDER_WAIT_MS)) ?? cached?.settled ?? NO_PROJECT_CONTEXT;
    }

    /** Import scans so far (a test reads it: ordinary typing must not rescan). */
    importScans = 0;

    private importsKey(uri: string, snapshot: DocumentSnapshot): string {
        let known = this.imports.get(uri);
        if (!known) {
            const statements = topLevelImports(snapshot);
            this.importScans++;
            known = { key: statements.map((entry) => entry.statement).join("\n"), lastLine: statements.at(-1)?.endLine ?? -1 };
            this.imports.set(uri, known);
        }
        return known.key;
    }

    private onDocumentChange(event: vscode.TextDocumentChangeEvent): void {
        const uri = event.document.uri.toString();
        const known = this.imports.get(uri);
        if (!known) return;
        const changed = event.contentChanges.some((change) => editMayChangeImports({
            startLine: change.range.start.line,
            endLine: change.range.end.line,
            insertedText: change.text,
            lineAfter: change.range.start.line < event.document.lineCount ? event.document.lineAt(change.range.start.line).text : "",
        }, known.lastLine));
        if (changed) this.imports.delete(uri);
    }

    /** The last finished render for a document (tests and the log read it). */
    lastRendered(uri: string): RenderedProjectContext | undefined {
        return this.renders.get(uri)?.settled;
    }

    forgetDocument(uri: string): void {
        this.renders.delete(uri);
        this.imports.delete(uri);
    }

    dispose(): void {
        for (const subscription of this.subscriptions) subscription.dispose();
        void this.parser?.then((parser) => parser?.delete());
    }

    private async render(folder: vscode.WorkspaceFolder, document: vscode.TextDocument, snapshot: DocumentSnapshot, relativePath: string, budgetTokens: number, mode: ProjectContextMode): Promise<RenderedProjectContext> {
        const parser = await this.loadParser();
        if (!parser) return NO_PROJECT_CONTEXT;
        const key = folder.uri.toString();
        let context = this.contexts.get(key);
        if (!context) {
            context = new ProjectContext(new WorkspaceFolderFiles(folder.uri), (source) => parser.parse(source));
            this.contexts.set(key, context);
        }
        return context.render({ document: snapshot, relativePath, budgetTokens, mode, recent: this.recent.all, locateDefinition: definitionLocator(document, folder) });
    }

    private loadParser(): Promise<Parser | undefined> {
        this.parser ??= (async () => {
            if (this.options.wasmDirectory === undefined) return undefined;
            try {
                return await loadPythonParser(this.options.wasmDirectory);
            } catch (error) {
                this.options.log.warn(`The Python parser could not be loaded (${errorText(error)}): no project context.`);
                return undefined;
            }
        })();
        return this.parser;
    }

    /** Leaving a Python file: remember where the user was in it (the ring of recent snippets). */
    private onActiveEditor(editor: vscode.TextEditor | undefined): void {
        const left = this.lastEditor;
        this.lastEditor = editor ? { document: editor.document, line: editor.selection.active.line } : undefined;
        if (!left || left.document === editor?.document || left.document.languageId !== "python" || left.document.isClosed) return;
        const path = relativePathOf(left.document.uri);
        if (path === undefined) return;
        this.recent.remember(path, (line) => left.document.lineAt(line).text, left.document.lineCount, left.line);
        this.recentGeneration++;
    }
}

/** Path inside the document's workspace folder, posix separators; undefined outside any folder. */
function relativePathOf(uri: vscode.Uri): string | undefined {
    const folder = vscode.workspace.getWorkspaceFolder(uri);
    if (!folder || uri.scheme !== "file") return undefined;
    const relative = vscode.workspace.asRelativePath(uri, false);
    return relative === uri.fsPath ? undefined : relative.split("\\").join("/");
}

/** The definition provider's answer for a name imported on `line`: a file of the same workspace folder. */
function definitionLocator(document: vscode.TextDocument, folder: vscode.WorkspaceFolder): DefinitionLocator {
    return async ({ line, endLine, name }) => {
        const position = importedNamePosition(document, line, endLine, name);
        if (!position) return undefined;
        const answer = vscode.commands.executeCommand<(vscode.Location | vscode.LocationLink)[] | undefined>("vscode.executeDefinitionProvider", document.uri, position);
        const locations = await withTimeout(Promise.resolve(answer).catch(() => undefined), DEFINITION_WAIT_MS);
        for (const location of locations ?? []) {
            const uri = "targetUri" in location ? location.targetUri : location.uri;
            if (uri.toString() === document.uri.toString() || vscode.workspace.getWorkspaceFolder(uri)?.uri.toString() !== folder.uri.toString()) continue;
            const relative = relativePathOf(uri);
            if (relative !== undefined) return relative;
        }
        return undefined;
    };
}

/** Where `name` is written in the import statement on lines `line`-`endLine` (after its `import` keyword). */
function importedNamePosition(document: vscode.TextDocument, line: number, endLine: number, name: string): vscode.Position | undefined {
    for (let current = line; current <= Math.min(endLine, document.lineCount - 1); current++) {
        const text = document.lineAt(current).text;
        const index = indexOfName(text, name, current === line ? Math.max(0, text.search(/\bimport\b/)) : 0);
        if (index >= 0) return new vscode.Position(current, index);
    }
    return undefined;
}

/** Files of one workspace folder: open documents (unsaved edits included) first, then the disk. */
class WorkspaceFolderFiles implements ProjectFileSource {
    constructor(private readonly folder: vscode.Uri) {}

    async read(relativePath: string): Promise<ProjectFile | undefined> {
        const uri = vscode.Uri.joinPath(this.folder, relativePath);
        const open = vscode.workspace.textDocuments.find((document) => document.uri.toString() === uri.toString());
        if (open) return { text: open.getText(), stamp: `v${open.version}` };
        try {
            const info = await vscode.workspace.fs.stat(uri);
            if (info.type !== vscode.FileType.File || info.size > MAX_CONTEXT_FILE_BYTES) return undefined;
            return { text: new TextDecoder().decode(await vscode.workspace.fs.readFile(uri)), stamp: `${info.mtime}:${info.size}` };
        } catch {
            return undefined;
        }
    }
}

async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
    let cancel = (): void => undefined;
    const timeout = new Promise<undefined>((resolve) => {
        const handle = setTimeout(() => resolve(undefined), ms);
        cancel = () => clearTimeout(handle);
    });
    try {
        return await Promise.race([promise, timeout]);
    } finally {
        cancel();
    }
}
