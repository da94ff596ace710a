// "Phi-2: Explain This Code": turns the active editor's selection (or the function around the
// cursor) into an explanation job, runs it on the model and shows it streaming in ExplainPanel.
// Waits for a model that is still loading, says clearly when there is none, and offers Retry
// when the model host dies mid-stream.
import * as vscode from "vscode";
import { buildExplainJob, type ExplainJob } from "../core/explain/explainPrompt";
import { ExplainSession, type ExplainEvent } from "../core/explain/ExplainSession";
import { markdownToSafeTree } from "../core/explain/safeMarkdown";
import type { TextGenerator } from "../core/textGenerator";
import { runModelAction } from "./commands";
import { ExplainPanel, type ExplainPanelAction, type ExplainPanelMessage, type ExplainRenderReport, type ExplainViewState, type ExplainViewStatus } from "./ExplainPanel";
import type { ModelStatus } from "./ModelManager";
import { ACTION_LABELS, describeModelError, NO_MODEL_MESSAGE } from "./modelErrors";
import { readSettings } from "./settings";
import { TextDocumentSnapshot } from "./TextDocumentSnapshot";
import { isTestMode } from "./testApi";
import { resampledJob, type ExplainSampling } from "../core/explain/explainSampling";
import type { PrefillProgress } from "../core/textGenerator";

export const EXPLAIN_COMMAND = "phi2.explain";
/** Test-only (registered in test mode, not contributed): the panel's state as plain data. */
export const EXPLAIN_TEST_STATE_COMMAND = "phi2.explain.testState";
/** Test-only: delivers a message as if the panel's buttons sent it (Stop, Copy, Explain Again, Retry). */
export const EXPLAIN_TEST_MESSAGE_COMMAND = "phi2.explain.testMessage";

/** Streamed text is re-rendered at most this often: each render re-parses the whole Markdown. */
const RENDER_INTERVAL_MS = 50;

/** What the explain command needs from the model: ModelManager provides all of it. */
export interface ExplainModel extends TextGenerator {
    readonly status: ModelStatus;
    readonly onDidChangeStatus: vscode.Event<ModelStatus>;
    /** Loads the model again if it was unloaded for being idle (an explanation is a request). */
    wakeIfIdle(): void;
}

export interface ExplainDependencies {
    readonly models: ExplainModel;
    readonly log?: vscode.LogOutputChannel;
    /** Register the test-state command (defaults to the extension's test mode). */
    readonly testMode?: boolean;
}

/** The panel's state for tests: what was asked, what streamed, what the webview rendered. */
export interface ExplainTestState {
    readonly panelOpen: boolean;
    readonly status: ExplainViewStatus | "idle";
    readonly text: string;
    readonly prompt?: string;
    readonly source?: { readonly fileName: string; readonly startLine: number; readonly endLine: number; readonly kind: string; readonly name?: string };
    readonly trimmed: boolean;
    readonly stopReason?: string;
    /** The core rule that cut the explanation, if one did. */
    readonly stopRule?: string;
    readonly error?: string;
    readonly view: ExplainViewState;
    readonly rendered?: ExplainRenderReport;
    /** Text most recently copied with the Copy button. */
    readonly copied?: string;
    /** How the shown explanation was decoded (undefined: greedy). */
    readonly sampling?: ExplainSampling;
}

/** Registers the command (and its disposables on the context). */
export function registerExplainCommand(context: vscode.ExtensionContext, dependencies: ExplainDependencies): vscode.Disposable {
    const controller = new ExplainController(context.extensionUri, dependencies);
    const disposables: vscode.Disposable[] = [controller, vscode.commands.registerCommand(EXPLAIN_COMMAND, () => controller.explainActiveEditor())];
    if (dependencies.testMode ?? isTestMode(context)) {
        disposables.push(
            vscode.commands.registerCommand(EXPLAIN_TEST_STATE_COMMAND, () => controller.testState()),
            vscode.commands.registerCommand(EXPLAIN_TEST_MESSAGE_COMMAND, (message: ExplainPanelMessage) => controller.receive(message)),
        );
    }
    const registration = vscode.Disposable.from(...disposables);
    context.subscriptions.push(registration);
    return registration;
}

/** Where the explained code came from, to explain it again after edits. */
interface ExplainTarget {
    readonly uri: vscode.Uri;
    readonly selection: vscode.Selection;
    readonly job: ExplainJob;
}

type RunState =
    | { readonly kind: "idle" }
    | { readonly kind: "waiting"; readonly job: ExplainJob; readonly subscription: vscode.Disposable }
    | { readonly kind: "session"; readonly session: ExplainSession }
    | { readonly kind: "failed"; readonly job: ExplainJob; readonly message: string; readonly actions: readonly ExplainPanelAction[]; readonly session?: ExplainSession };

export class ExplainController implements vscode.Disposable {
    private readonly panel: ExplainPanel;
    private target: ExplainTarget | undefined;
    private run: RunState = { kind: "idle" };
    private stoppedWhileWaiting = false;
    private renderTimer: ReturnType<typeof setTimeout> | undefined;
    private copied: string | undefined;

    constructor(
        extensionUri: vscode.Uri,
        private readonly dependencies: ExplainDependencies,
    ) {
        this.panel = new ExplainPanel(extensionUri, (message) => this.onPanelMessage(message), () => this.cancel());
    }

    async explainActiveEditor(): Promise<void> {
        const editor = vscode.window.activeTextEditor;
        if (!editor) {
            void vscode.window.showInformationMessage("Phi-2: open a Python file and select the code to explain.");
            return;
        }
        const job = this.buildJob(editor.document, editor.selection);
        if (!job) {
            void vscode.window.showInformationMessage("Phi-2: nothing to explain here. Select some code, or put the cursor inside a function or class.");
            return;
        }
        this.target = { uri: editor.document.uri, selection: editor.selection, job };
        this.start(job);
    }

    testState(): ExplainTestState {
        const job = this.currentJob();
        const session = this.shownSession();
        const view = this.viewState();
        return {
            panelOpen: this.panel.isOpen,
            status: this.run.kind === "idle" ? "idle" : view.status,
            text: session?.text ?? "",
            prompt: job?.prompt,
            source: job && {
                fileName: job.fileName,
                startLine: job.source.startLine,
                endLine: job.source.endLine,
                kind: job.source.kind,
                ...(job.source.name !== undefined ? { name: job.source.name } : {}),
            },
            trimmed: job?.trimmed !== undefined,
            stopReason: session?.outcome?.stopReason,
            stopRule: session?.outcome?.stopRule,
            error: this.run.kind === "failed" ? this.run.message : undefined,
            view,
            rendered: this.panel.lastRender,
            copied: this.copied,
            sampling: job?.sampling,
        };
    }

    dispose(): void {
        this.cancel();
        this.panel.dispose();
    }

    private buildJob(document: vscode.TextDocument, selection: vscode.Selection): ExplainJob | undefined {
        const settings = readSettings();
        const status = this.dependencies.models.status;
        const contextTokens = status.kind === "ready" ? status.info.contextSize : settings.contextSize;
        return buildExplainJob(TextDocumentSnapshot.of(document), selection.active, selection.isEmpty ? undefined : selection, {
            maxTokens: settings.explainMaxTokens,
            contextTokens,
        });
    }

    /** The session whose text the panel shows: the running one, or the one that failed mid-stream. */
    private shownSession(): ExplainSession | undefined {
        if (this.run.kind === "session") return this.run.session;
        return this.run.kind === "failed" ? this.run.session : undefined;
    }

    private currentJob(): ExplainJob | undefined {
        switch (this.run.kind) {
            case "waiting":
            case "failed":
                return this.run.job;
            case "session":
                return this.run.session.job;
            default:
                return this.target?.job;
        }
    }

    /** Ends whatever is running (a stream or a wait for the model). */
    private cancel(): void {
        if (this.run.kind === "waiting") this.run.subscription.dispose();
        if (this.run.kind === "session") this.run.session.stop();
        clearTimeout(this.renderTimer);
        this.renderTimer = undefined;
    }

    private start(job: ExplainJob): void {
        this.cancel();
        this.stoppedWhileWaiting = false;
        this.panel.show();
        this.dependencies.models.wakeIfIdle();
        const status = this.dependencies.models.status;
        switch (status.kind) {
            case "ready":
                this.startSession(job);
                return;
            case "noModel":
                this.fail(job, `No Phi-2 model is configured, so there is nothing to explain with. ${NO_MODEL_MESSAGE}`, ["downloadModel", "selectModelFile", "retry"]);
                return;
            case "error": {
                const report = describeModelError(status.error.code, status.error.message, status.modelPath);
                const panelActions = report.actions.filter((action) => action !== "openDownloadPage") as ExplainPanelAction[];
                this.fail(job, report.message, ["retry", ...panelActions]);
                return;
            }
            default:
                this.waitForModel(job);
        }
    }

    /** The model is starting, loading or restarting: explain as soon as it is ready. */
    private waitForModel(job: ExplainJob): void {
        const subscription = this.dependencies.models.onDidChangeStatus((status) => {
            if (this.run.kind !== "waiting" || this.run.job !== job) return;
            if (status.kind === "ready" || status.kind === "noModel" || status.kind === "error") {
                subscription.dispose();
                this.start(job);
            } else {
                this.render();
            }
        });
        this.run = { kind: "waiting", job, subscription };
        this.render();
    }

    private startSession(job: ExplainJob): void {
        const session = new ExplainSession(this.dependencies.models, job, (event) => this.onSessionEvent(session, event));
        this.run = { kind: "session", session };
        this.render();
        void session.start().then(() => this.onSessionEnded(session));
    }

    private onSessionEvent(session: ExplainSession, event: ExplainEvent): void {
        if (this.run.kind !== "session" || this.run.session !== session) return;
        if (event.kind === "text" || event.kind === "reading") this.scheduleRender();
        else this.render();
    }

    private onSessionEnded(session: ExplainSession): void {
        if (this.run.kind !== "session" || this.run.session !== session) return;
        const outcome = session.outcome;
        const counters = outcome?.counters;
        if (counters) {
            this.dependencies.log?.info(
                `explain: ${outcome.stopReason}${outcome.stopRule ? ` (${outcome.stopRule})` : ""}, prompt ${counters.promptTokens} tokens ` +
                    `(reused ${counters.reusedTokens}, evaluated ${counters.evaluatedTokens}), generated ${counters.generatedTokens}, ` +
                    `prefill ${counters.prefillMs} ms, generate ${counters.generateMs} ms, total ${counters.totalMs} ms`,
            );
        }
        if (session.status === "error") {
            const { message, actions } = describeExplainFailure(session.error, session.text !== "");
            this.dependencies.log?.warn(`explain failed: ${errorText(session.error)}`);
            this.fail(session.job, message, actions, session);
            return;
        }
        this.render();
    }

    private fail(job: ExplainJob, message: string, actions: readonly ExplainPanelAction[], session?: ExplainSession): void {
        this.run = { kind: "failed", job, message, actions, ...(session ? { session } : {}) };
        this.render();
    }

    /** A message from the panel (or from a test standing in for it). */
    receive(message: ExplainPanelMessage): void {
        this.onPanelMessage(message);
    }

    private onPanelMessage(message: ExplainPanelMessage): void {
        switch (message.type) {
            case "stop":
                if (this.run.kind === "waiting") {
                    this.stoppedWhileWaiting = true;
                    this.run.subscription.dispose();
                    this.fail(this.run.job, "Stopped before the model was ready.", ["retry"]);
                } else if (this.run.kind === "session") {
                    this.run.session.stop();
                }
                return;
            case "copy":
                void this.copy();
                return;
            case "again":
                this.explainAgain();
                return;
            case "action":
                this.runAction(message.action);
                return;
        }
    }

    private async copy(): Promise<void> {
        const session = this.shownSession();
        const text = session?.text ?? "";
        if (text === "") return;
        await vscode.env.clipboard.writeText(text);
        this.copied = text;
        this.panel.flash("Copied");
    }

    /** Explains the same place again, reading the document's current text when it is still open. */
    private explainAgain(): void {
        const target = this.target;
        if (!target) return;
        const document = vscode.workspace.textDocuments.find((candidate) => candidate.uri.toString() === target.uri.toString());
        // Sampled with a new seed: the same greedy text again would not help the reader.
        const job = resampledJob(document ? this.buildJob(document, target.selection) ?? target.job : target.job, target.job.sampling);
        this.target = { ...target, job };
        this.start(job);
    }

    private runAction(action: ExplainPanelAction): void {
        switch (action) {
            case "retry": {
                const job = this.currentJob();
                if (job) this.start(job);
                return;
            }
            default:
                runModelAction(action);
        }
    }

    private scheduleRender(): void {
        this.renderTimer ??= setTimeout(() => {
            this.renderTimer = undefined;
            this.render();
        }, RENDER_INTERVAL_MS);
    }

    private render(): void {
        clearTimeout(this.renderTimer);
        this.renderTimer = undefined;
        this.panel.update(this.viewState());
    }

    private viewState(): ExplainViewState {
        const job = this.currentJob();
        const run = this.run;
        const session = this.shownSession();
        const text = session?.text ?? "";
        const notes: string[] = [];
        if (job?.trimmed) {
            const shown = job.trimmed.shownEndLine - job.source.startLine + 1;
            notes.push(
                `The code is too long for one explanation: only its first ${shown} lines (${lineSpan(job.source.startLine, job.trimmed.shownEndLine)}) ` +
                    `were sent; ${job.trimmed.omittedLines} more lines were left out.`,
            );
        }
        const outcome = session?.outcome;
        if (outcome?.reachedLengthCap) {
            notes.push(`The explanation reached the length limit (phi2.explain.maxTokens = ${job?.maxTokens}) and may end mid-sentence.`);
        }

        let status: ExplainViewStatus;
        let statusText: string;
        switch (run.kind) {
            case "idle":
                status = "waiting";
                statusText = "";
                break;
            case "waiting":
                status = "waiting";
                statusText = waitingText(this.dependencies.models.status);
                break;
            case "failed":
                status = "error";
                statusText = this.stoppedWhileWaiting ? "Stopped" : "Error";
                break;
            case "session":
                switch (run.session.status) {
                    case "idle":
                    case "streaming":
                        status = "streaming";
                        statusText = text === "" ? readingText(run.session.prefillProgress) : "Explaining...";
                        break;
                    case "stopped":
                        status = "stopped";
                        statusText = "Stopped";
                        break;
                    case "error":
                        status = "error";
                        statusText = "Error";
                        break;
                    default:
                        status = "done";
                        statusText = text === "" ? "Done: Phi-2 wrote no explanation. Try Explain Again or select less code." : "Done";
                }
        }

        return {
            status,
            statusText,
            ...(job ? { source: describeSource(job) } : {}),
            notes,
            ...(run.kind === "failed"
                ? { error: { message: run.message, actions: run.actions.map((id) => ({ id, label: PANEL_ACTION_LABELS[id] })) } }
                : {}),
            tree: markdownToSafeTree(text),
            canStop: status === "streaming" || status === "waiting",
            canCopy: text !== "",
            canExplainAgain: this.target !== undefined && status !== "streaming" && status !== "waiting",
        };
    }
}

const PANEL_ACTION_LABELS: Record<ExplainPanelAction, string> = {
    retry: "Retry",
    downloadModel: ACTION_LABELS.downloadModel,
    selectModelFile: ACTION_LABELS.selectModelFile,
    restartModel: ACTION_LABELS.restartModel,
    showLogs: ACTION_LABELS.showLogs,
};

/** Before the first words: how far the model got reading a long prompt, when the host says. */
function readingText(progress: PrefillProgress | undefined): string {
    if (!progress || progress.tokensToEvaluate === 0) return "Reading the code...";
    return `Reading the code: ${Math.floor((progress.evaluatedTokens / progress.tokensToEvaluate) * 100)}% of ${progress.tokensToEvaluate} tokens...`;
}

function lineSpan(startLine: number, endLine: number): string {
    return startLine === endLine ? `line ${startLine + 1}` : `lines ${startLine + 1}-${endLine + 1}`;
}

export function describeSource(job: ExplainJob): { title: string; detail: string } {
    const { source } = job;
    const title =
        source.kind === "function" ? `Function ${source.name}()` : source.kind === "class" ? `Class ${source.name}` : source.kind === "selection" ? "Selected code" : "Code around the cursor";
    return { title, detail: `${job.fileName}, ${lineSpan(source.startLine, source.endLine)}` };
}

function waitingText(status: ModelStatus): string {
    switch (status.kind) {
        case "loading":
            return `Waiting for the Phi-2 model to load (${Math.round(status.progress * 100)}%). The explanation starts when it is ready.`;
        case "restarting":
            return "The model process is restarting. The explanation starts when it is ready.";
        default:
            return "Starting the Phi-2 model. The explanation starts when it is ready.";
    }
}

function errorText(error: unknown): string {
    return error instanceof Error ? error.message : String(error);
}

/** The panel's wording for a failed explanation (the model host client's error codes). */
export function describeExplainFailure(error: unknown, hadText: boolean): { message: string; actions: ExplainPanelAction[] } {
    const code = typeof error === "object" && error !== null && "code" in error ? String((error as { code: unknown }).code) : undefined;
    const partial = hadText ? " The explanation above is incomplete." : "";
    switch (code) {
        case "HOST_EXITED":
        case "HOST_UNAVAILABLE":
            return {
                message: `The Phi-2 model process stopped while explaining (${errorText(error)}). It restarts on its own; press Retry to explain again.${partial}`,
                actions: ["retry", "showLogs"],
            };
        case "NOT_LOADED":
            return { message: `The Phi-2 model is not loaded yet.${partial} Press Retry once it is ready.`, actions: ["retry", "selectModelFile"] };
        case "PROMPT_TOO_LONG":
            return { message: "The code is too long for the model's context. Select a smaller part of it and try again.", actions: ["retry"] };
        default:
            return { message: `Explaining failed: ${errorText(error)}.${partial}`, actions: ["retry", "showLogs"] };
    }
}
