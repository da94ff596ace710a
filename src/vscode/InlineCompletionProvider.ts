// VS Code's side of a completion: document/position/CancellationToken in, ghost text out. Everything
// about what to suggest lives in the core's CompletionEngine; this turns the editor's inputs into
// core data and an AbortSignal (VS Code cancels the token on the next keystroke), returns nothing
// at once while the model is not ready (and asks again once it is, where the user was typing), and
// logs one line of counters per request.
import * as path from "node:path";
import * as vscode from "vscode";
import type { CompletionEngine, CompletionOutcome, Continuation } from "../core/completion/CompletionEngine";
import type { RenderedProjectContext } from "../core/context/ProjectContext";
import type { DocumentSnapshot } from "../core/types";
import { ContinuationReask } from "../core/completion/ContinuationReask";
import { documentWithItem } from "../core/completion/selectedItem";
import type { Range } from "../core/types";
import { INTERNAL_COMMANDS } from "./commandIds";
import { TextDocumentSnapshot } from "./TextDocumentSnapshot";

export const COMPLETION_ACCEPTED_COMMAND = INTERNAL_COMMANDS.completionAccepted;
const TRIGGER_INLINE_SUGGEST_COMMAND = "editor.action.inlineSuggest.trigger";
/** VS Code's own Esc on ghost text. */
export const HIDE_INLINE_SUGGEST_COMMAND = "editor.action.inlineSuggest.hide";

/** Python files and untitled Python buffers; other schemes (git, output, remote virtual files) are not ours. */
export const PYTHON_SELECTOR: vscode.DocumentSelector = [
    { language: "python", scheme: "file" },
    { language: "python", scheme: "untitled" },
];

export interface InlineCompletionProviderOptions {
    readonly engine: CompletionEngine;
    readonly log: vscode.LogOutputChannel;
    /** Completions are on for this document (phi2.enable, per language, and phi2.exclude). */
    readonly isEnabled: (document: vscode.TextDocument) => boolean;
    readonly isModelReady: () => boolean;
    /** Suggestions offered on an explicit request (Alt+\\, Alt+] / Alt+[ cycle them); 1 = only the greedy one. */
    readonly alternatives?: () => number;
    /** Definitions from other files for the prompt (cached; waits a few ms at most). */
    readonly projectContext?: (document: vscode.TextDocument, snapshot: DocumentSnapshot) => Promise<RenderedProjectContext>;
}

/** Where a request ended, for the log and for tests (onDidComplete). */
export interface CompletionRecord {
    readonly uri: string;
    readonly line: number;
    readonly character: number;
    readonly outcome: CompletionOutcome | undefined;
    readonly shown: string | undefined;
    /** Further suggestions offered with it (explicit requests), in order. */
    readonly alternatives?: readonly string[];
    readonly skipped?: "disabled" | "modelNotReady";
    /** The suggest widget's selected item the suggestion continues (IntelliSense was open). */
    readonly selectedItem?: string;
    readonly elapsedMs: number;
}

export class Phi2InlineCompletionProvider implements vscode.InlineCompletionItemProvider {
    private readonly recordEmitter = new vscode.EventEmitter<CompletionRecord>();
    readonly onDidComplete = this.recordEmitter.event;
    /** Documents the editor asked about while the model was not ready (the user typed while it loaded). */
    private readonly declinedWhileNotReady = new Set<string>();
    /** How often the editor was asked again because the model became ready (tests read it). */
    readyRetriggers = 0;
    /** How often the editor was asked again because a first part's longer version was ready (tests read it). */
    longerRetriggers = 0;
    /** Documents whose next request is our own re-trigger for a longer version: automatic, not an explicit ask. */
    private readonly askedForLonger = new Set<string>();
    /** Per document, the newest answer's continuation, which asks the editor again once. */
    private readonly reask = new ContinuationReask<string>();

    constructor(private readonly options: InlineCompletionProviderOptions) {}

    async provideInlineCompletionItems(
        document: vscode.TextDocument,
        position: vscode.Position,
        context: vscode.InlineCompletionContext,
        token: vscode.CancellationToken,
    ): Promise<vscode.InlineCompletionItem[] | undefined> {
        const started = Date.now();
        const where = { uri: document.uri.toString(), line: position.line, character: position.character };
        if (!this.options.isEnabled(document)) return this.finish({ ...where, outcome: undefined, shown: undefined, skipped: "disabled", elapsedMs: 0 });
        // Never wait for the model: an editor must stay responsive while it loads.
        if (!this.options.isModelReady()) {
            this.declinedWhileNotReady.add(where.uri);
            return this.finish({ ...where, outcome: undefined, shown: undefined, skipped: "modelNotReady", elapsedMs: 0 });
        }
        const abort = new AbortController();
        const cancellation = token.onCancellationRequested(() => abort.abort());
        if (token.isCancellationRequested) abort.abort();
        try {
            const snapshot = TextDocumentSnapshot.of(document);
            // The suggest widget is open: complete as if its selected item were accepted, and
            // offer the item's text plus the continuation, which the editor shows alongside it.
            const selected = context.selectedCompletionInfo && { range: toCoreRange(context.selectedCompletionInfo.range), text: context.selectedCompletionInfo.text };
            const target = selected ? documentWithItem(snapshot, selected) : { document: snapshot, position: { line: position.line, character: position.character } };
            const projectContext = await this.options.projectContext?.(document, snapshot);
            const request = {
                document: target.document,
                position: target.position,
                signal: abort.signal,
                trigger: context.triggerKind === vscode.InlineCompletionTriggerKind.Invoke && !this.askedForLonger.delete(where.uri) ? "explicit" as const : "automatic" as const,
                projectContext,
            };
            const { primary: outcome, alternatives } = request.trigger === "explicit"
                ? await this.options.engine.completeWithAlternatives(request, this.options.alternatives?.() ?? 1)
                : { primary: await this.options.engine.complete(request), alternatives: [] };
            const offered = token.isCancellationRequested ? [] : [outcome, ...alternatives].filter((choice) => (choice.suggestion?.insertText.length ?? 0) > 0);
            // Over the selected item: its text first, replacing its range, as the editor requires.
            const textOf = (choice: CompletionOutcome) => (selected?.text ?? "") + choice.suggestion!.insertText;
            this.finish({
                ...where, outcome, shown: offered[0] && textOf(offered[0]), elapsedMs: Date.now() - started,
                ...(selected ? { selectedItem: selected.text } : {}),
                ...(offered.length > 1 ? { alternatives: offered.slice(1).map(textOf) } : {}),
            });
            this.reask.forget(where.uri);
            if (outcome.continuation && !token.isCancellationRequested) this.showLongerWhenReady(outcome.continuation, document, position);
            if (offered.length === 0) return undefined;
            this.options.engine.notifyShown(offered[0]);
            return offered.map((choice) => {
                const { start, end } = selected?.range ?? choice.suggestion!.range;
                return new vscode.InlineCompletionItem(textOf(choice), new vscode.Range(start.line, start.character, end.line, end.character), {
                    title: "Accept Phi-2 Suggestion",
                    command: COMPLETION_ACCEPTED_COMMAND,
                    arguments: [choice],
                });
            });
        } catch (error) {
            if (abort.signal.aborted) return undefined;
            this.options.log.error(`Completion failed at ${describeLocation(document, position)}: ${error instanceof Error ? error.stack ?? error.message : String(error)}`);
            return undefined;
        } finally {
            cancellation.dispose();
        }
    }

    /**
     * The model just became ready. If the editor asked about the active document while it was not
     * (the user typed while it loaded or restarted), asks the editor again once, so a suggestion
     * appears without another keystroke. Editors nobody typed in get no unsolicited ghost text.
     * Resolves true when it asked.
     */
    async retriggerAfterReady(): Promise<boolean> {
        const declined = new Set(this.declinedWhileNotReady);
        this.declinedWhileNotReady.clear();
        const editor = vscode.window.activeTextEditor;
        if (!editor || !declined.has(editor.document.uri.toString())) return false;
        // A selection is being made, not a place to insert at.
        if (!editor.selection.isEmpty || !this.options.isEnabled(editor.document)) return false;
        this.readyRetriggers++;
        await vscode.commands.executeCommand(TRIGGER_INLINE_SUGGEST_COMMAND);
        return true;
    }

    /**
     * First line first: the suggestion shown is the first part of a generation that goes on. When
     * its first line is complete (the part was a start of it, or showed nothing) or a longer
     * version is ready, and the user is still where they were (same document version and cursor),
     * asks the editor again; the engine answers from the running generation or its cache.
     */
    private showLongerWhenReady(continuation: Continuation, document: vscode.TextDocument, position: vscode.Position): void {
        const uri = document.uri.toString();
        const version = document.version;
        const stillThere = (): boolean => {
            const editor = vscode.window.activeTextEditor;
            return editor !== undefined && editor.document === document && document.version === version
                && editor.selection.isEmpty && editor.selection.active.isEqual(position);
        };
        this.reask.follow(uri, continuation, stillThere, () => {
            this.askedForLonger.add(uri);
            this.longerRetriggers++;
            vscode.commands.executeCommand(TRIGGER_INLINE_SUGGEST_COMMAND).then(undefined, () => undefined);
        });
    }

    /**
     * The user dismissed the ghost text (Esc): the generation behind it goes on for the cache, but
     * its completed line and longer version are not offered again at this place.
     */
    dismiss(document: vscode.TextDocument): void {
        this.reask.forget(document.uri.toString());
        this.askedForLonger.delete(document.uri.toString());
    }

    /** Forgets a closed document. */
    forgetDocument(uri: string): void {
        this.declinedWhileNotReady.delete(uri);
        this.askedForLonger.delete(uri);
        this.reask.forget(uri);
    }

    dispose(): void {
        this.recordEmitter.dispose();
    }

    private finish(record: CompletionRecord): undefined {
        // Every keystroke cancels a request: those lines only at debug level, to keep the log readable.
        if (record.outcome?.reason === "cancelled") this.options.log.debug(formatRequestLine(record));
        else if (record.outcome) this.options.log.info(formatRequestLine(record));
        else this.options.log.trace(formatRequestLine(record));
        this.recordEmitter.fire(record);
        return undefined;
    }
}

function toCoreRange(range: vscode.Range): Range {
    return { start: { line: range.start.line, character: range.start.character }, end: { line: range.end.line, character: range.end.character } };
}

function describeLocation(document: vscode.TextDocument, position: vscode.Position): string {
    const name = document.isUntitled ? document.uri.path : path.basename(document.uri.fsPath);
    return `${name}:${position.line + 1}:${position.character + 1}`;
}

/**
 * One line per request: where, what was shown (or why nothing), and the counters: prompt tokens
 * (reused from the KV cache / evaluated), generated tokens, and where the time went.
 */
export function formatRequestLine(record: CompletionRecord): string {
    const name = record.uri.slice(record.uri.lastIndexOf("/") + 1);
    const outcome = record.outcome;
    const stats = outcome?.stats;
    const parts = [`complete ${name}:${record.line + 1}:${record.character + 1}`];
    if (stats) parts.push(stats.trigger);
    if (record.selectedItem !== undefined) parts.push(`after the selected item ${JSON.stringify(truncate(record.selectedItem, 30))}`);
    parts.push(record.shown !== undefined ? `shown ${JSON.stringify(truncate(record.shown, 60))} (${record.shown.length} chars)` : `nothing (${outcome?.reason ?? record.skipped ?? "cancelled"})`);
    if (record.alternatives) parts.push(`+${record.alternatives.length} alternatives`);
    if (stats) {
        parts.push(`| ${stats.source ?? "-"} ${stats.mode}/${stats.modeBecause}${stats.stopReason ? ` stop=${stats.stopReason}` : ""}`);
        if (stats.prompt.contextTokens > 0) parts.push(`| context ~${stats.prompt.contextTokens} tok`);
        const counters = stats.counters;
        if (counters) {
            parts.push(
                `| prompt ${counters.promptTokens} tok (reused ${counters.reusedTokens}, evaluated ${counters.evaluatedTokens}) generated ${counters.generatedTokens}` +
                    ` | prefill ${ms(counters.prefillMs)} generate ${ms(counters.generateMs)} host ${ms(counters.totalMs)}`,
            );
        } else {
            parts.push(`| prompt ~${stats.prompt.estimatedTokens} tok (not sent)`);
        }
        parts.push(`| debounce ${ms(stats.debounceMs)} model ${ms(stats.modelMs)} other ${ms(stats.overheadMs)} total ${ms(stats.latencyMs)}`);
        if (stats.cuts.length > 0) parts.push(`| cuts ${stats.cuts.map((cut) => `${cut.rule}(${cut.removed.length})`).join(",")}`);
        if (stats.syntaxGuard) parts.push(`| guard ${stats.syntaxGuard.action} ${ms(stats.syntaxGuard.ms)}`);
    }
    return parts.join(" ");
}

function ms(value: number): string {
    return `${Math.round(value)}ms`;
}

function truncate(text: string, max: number): string {
    return text.length <= max ? text : `${text.slice(0, max)}...`;
}
