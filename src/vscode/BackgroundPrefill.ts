// Warms the model's KV cache where the user is about to type: when a Python editor becomes active,
// when the cursor jumps to another place, and when the model becomes ready. After a short pause it
// asks the engine to evaluate the prompt for the cursor's position (background priority in the
// model host, in cancellable chunks), so the first real request there evaluates only a few tokens.
// Typing, another jump or another editor cancels it: real requests preempt it in the host anyway,
// and a prefill for a place the user has left is wasted CPU.
import * as path from "node:path";
import * as vscode from "vscode";
import type { RenderedProjectContext } from "../core/context/ProjectContext";
import type { DocumentSnapshot } from "../core/types";
import type { CompletionEngine } from "../core/completion/CompletionEngine";
import type { PrefillResult } from "../core/textGenerator";
import { TextDocumentSnapshot } from "./TextDocumentSnapshot";
import { errorText } from "../core/errorText";

/**
 * Pause before a prefill starts. Long enough that flicking through editors or holding an arrow key
 * does not start (and cancel) one per step, short enough that it is done before a reader types.
 */
export const PREFILL_IDLE_DELAY_MS = 300;

/**
 * A cursor move of more lines than this is a jump to another place. Smaller moves (arrow keys,
 * Enter) keep most of the prompt window, so the cache is still warm for them.
 */
export const JUMP_LINES = 5;

export type PrefillTrigger = "activeEditor" | "jump" | "modelReady";

/** One background prefill that was started, for the log, the status tooltip and tests. */
export interface PrefillRecord {
    readonly uri: string;
    readonly line: number;
    readonly character: number;
    readonly trigger: PrefillTrigger;
    /** "skipped": the engine already had this prompt, or a generation for the document was running. */
    readonly result: "completed" | "cancelled" | "skipped" | "failed";
    /** The model host's counters (absent when skipped or failed). */
    readonly counters?: PrefillResult["counters"];
    readonly elapsedMs: number;
    readonly error?: string;
}

export interface BackgroundPrefillCounts {
    /** Prefills handed to the engine (after the idle delay). */
    started: number;
    completed: number;
    cancelled: number;
    skipped: number;
    failed: number;
}

export interface BackgroundPrefillOptions {
    readonly engine: Pick<CompletionEngine, "prefill">;
    readonly log: vscode.LogOutputChannel;
    /** `phi2.enable` and `phi2.backgroundPrefill`. */
    readonly isEnabled: (document: vscode.TextDocument) => boolean;
    readonly isModelReady: () => boolean;
    /** Which documents are ours (the inline completion provider's selector). */
    readonly selector: vscode.DocumentSelector;
    readonly idleDelayMs?: number;
    /** The same project context the completion requests use, so the warmed prompt is theirs. */
    readonly projectContext?: (document: vscode.TextDocument, snapshot: DocumentSnapshot) => Promise<RenderedProjectContext>;
}

interface Planned {
    readonly editor: vscode.TextEditor;
    readonly trigger: PrefillTrigger;
    readonly timer: ReturnType<typeof setTimeout>;
}

interface Running {
    readonly uri: string;
    readonly abort: AbortController;
}

export class BackgroundPrefill implements vscode.Disposable {
    private planned: Planned | undefined;
    private running: Running | undefined;
    /** Where each editor's cursor was last seen, and the document version then (to tell typing from moving). */
    private readonly cursors = new WeakMap<vscode.TextEditor, { line: number; version: number }>();
    private readonly subscriptions: vscode.Disposable[] = [];
    private readonly recordEmitter = new vscode.EventEmitter<PrefillRecord>();
    /** Fires when a prefill handed to the engine has ended (completed, cancelled, skipped or failed). */
    readonly onDidPrefill = this.recordEmitter.event;
    readonly counts: BackgroundPrefillCounts = { started: 0, completed: 0, cancelled: 0, skipped: 0, failed: 0 };
    private latest: PrefillRecord | undefined;

    constructor(private readonly options: BackgroundPrefillOptions) {
        this.subscriptions.push(
            vscode.window.onDidChangeActiveTextEditor((editor) => {
                this.cancel();
                if (editor) {
                    this.remember(editor);
                    this.schedule(editor, "activeEditor");
                }
            }),
            vscode.window.onDidChangeTextEditorSelection((event) => this.onSelection(event)),
            vscode.workspace.onDidChangeTextDocument((event) => {
                if (event.contentChanges.length === 0) return;
                if (this.planned?.editor.document === event.document || this.running?.uri === event.document.uri.toString()) this.cancel();
            }),
            vscode.workspace.onDidCloseTextDocument((document) => {
                if (this.planned?.editor.document === document || this.running?.uri === document.uri.toString()) this.cancel();
            }),
        );
    }

    get lastRecord(): PrefillRecord | undefined {
        return this.latest;
    }

    /** Prefills for the active editor after the idle delay (e.g. the model just became ready). */
    scheduleForActiveEditor(trigger: PrefillTrigger): void {
        const editor = vscode.window.activeTextEditor;
        if (!editor) return;
        this.cancel();
        this.remember(editor);
        this.schedule(editor, trigger);
    }

    /** Drops a planned prefill and aborts a running one. */
    cancel(): void {
        if (this.planned) clearTimeout(this.planned.timer);
        this.planned = undefined;
        this.running?.abort.abort();
        this.running = undefined;
    }

    dispose(): void {
        this.cancel();
        for (const subscription of this.subscriptions) subscription.dispose();
        this.recordEmitter.dispose();
    }

    private onSelection(event: vscode.TextEditorSelectionChangeEvent): void {
        const editor = event.textEditor;
        if (editor !== vscode.window.activeTextEditor) return;
        const before = this.cursors.get(editor);
        const line = editor.selection.active.line;
        const version = editor.document.version;
        this.cursors.set(editor, { line, version });
        // The document changed since the last cursor event: typing or a paste moved the cursor.
        // The completion request that the edit causes warms the cache; the change already cancelled us.
        if (!before || before.version !== version) return;
        if (Math.abs(line - before.line) <= JUMP_LINES) return;
        this.cancel();
        this.schedule(editor, "jump");
    }

    private remember(editor: vscode.TextEditor): void {
        this.cursors.set(editor, { line: editor.selection.active.line, version: editor.document.version });
    }

    private schedule(editor: vscode.TextEditor, trigger: PrefillTrigger): void {
        if (!this.wanted(editor)) return;
        const timer = setTimeout(() => {
            if (this.planned?.timer !== timer) return;
            this.planned = undefined;
            void this.run(editor, trigger);
        }, this.options.idleDelayMs ?? PREFILL_IDLE_DELAY_MS);
        this.planned = { editor, trigger, timer };
    }

    private wanted(editor: vscode.TextEditor): boolean {
        return this.options.isEnabled(editor.document)
            && this.options.isModelReady()
            && vscode.languages.match(this.options.selector, editor.document) > 0;
    }

    private async run(editor: vscode.TextEditor, trigger: PrefillTrigger): Promise<void> {
        // Re-checked: the model may have gone away, or the editor closed, during the pause.
        if (editor !== vscode.window.activeTextEditor || editor.document.isClosed || !this.wanted(editor)) return;
        const document = editor.document;
        // Where the cursor is now: small moves during the pause are included.
        const position = editor.selection.active;
        const uri = document.uri.toString();
        const abort = new AbortController();
        const running: Running = { uri, abort };
        this.running = running;
        this.counts.started++;
        const started = Date.now();
        const where = { uri, line: position.line, character: position.character, trigger };
        let record: PrefillRecord;
        try {
            const snapshot = TextDocumentSnapshot.of(document);
            const projectContext = await this.options.projectContext?.(document, snapshot);
            const result = await this.options.engine.prefill(
                snapshot,
                { line: position.line, character: position.character },
                abort.signal,
                projectContext,
            );
            const elapsedMs = Date.now() - started;
            if (!result) record = { ...where, result: "skipped", elapsedMs };
            else record = { ...where, result: result.completed ? "completed" : "cancelled", counters: result.counters, elapsedMs };
        } catch (error) {
            const message = errorText(error);
            // Aborted or the host went away mid-way (a restart): nothing to report to the user.
            record = { ...where, result: abort.signal.aborted ? "cancelled" : "failed", elapsedMs: Date.now() - started, error: message };
        } finally {
            if (this.running === running) this.running = undefined;
        }
        this.counts[record.result]++;
        this.latest = record;
        // Completed warm-ups (one per place the user went to) beside the per-request lines; the
        // skipped and cancelled ones (frequent while moving around) only at debug level.
        if (record.result === "failed") this.options.log.warn(formatPrefillLine(record));
        else if (record.result === "completed") this.options.log.info(formatPrefillLine(record));
        else this.options.log.debug(formatPrefillLine(record));
        this.recordEmitter.fire(record);
    }
}

/** One log line per prefill: where, why, and the host's counters. */
export function formatPrefillLine(record: PrefillRecord): string {
    const name = path.posix.basename(record.uri);
    const parts = [`prefill ${name}:${record.line + 1}:${record.character + 1} (${record.trigger}) ${record.result}`];
    const counters = record.counters;
    if (counters) parts.push(`| prompt ${counters.promptTokens} tok (reused ${counters.reusedTokens}, evaluated ${counters.evaluatedTokens}) in ${Math.round(counters.prefillMs)}ms`);
    parts.push(`| total ${record.elapsedMs}ms`);
    if (record.error) parts.push(`| ${record.error}`);
    return parts.join(" ");
}
