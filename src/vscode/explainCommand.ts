// "Phi-2: Explain This Code", the controller: turns the active editor's selection (or the function
// around the cursor) into an explanation job, runs it on the model and shows it streaming in
// ExplainPanel. Waits for a model that is still loading, says clearly when there is none, and
// offers Retry when the model host dies mid-stream. What the panel shows for each state is the
// presenter's (explainViewState.ts); the wording of failures is modelErrors.ts'. The commands that
// reach it are in the command table (commands.ts).
import * as vscode from "vscode";
import { buildExplainJob, type ExplainJob } from "../core/explain/explainPrompt";
import { ExplainSession, type ExplainEvent } from "../core/explain/ExplainSession";
import type { TextGenerator } from "../core/textGenerator";
import { ExplainPanel, type ExplainPanelMessage, type ExplainRenderReport } from "./ExplainPanel";
import { presentExplanation, type ExplainRunView, type ExplainViewState, type ExplainViewStatus, type ExplanationText } from "./explainViewState";
import type { ModelStatus } from "./ModelManager";
import { describeExplainFailure, describeExplainModelError, EXPLAIN_MESSAGES, type ExplainPanelAction, type ModelAction } from "./modelErrors";
import type { Phi2Settings } from "./settings";
import { TextDocumentSnapshot } from "./TextDocumentSnapshot";
import { resampledJob, type ExplainSampling } from "../core/explain/explainSampling";
import { errorText } from "../core/errorText";

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
    /** The session's current settings (phi2.explain.maxTokens, phi2.contextSize). */
    readonly settings: () => Phi2Settings;
    /** Runs an action picked in the panel's error box (Download, Select Model File...). */
    readonly runAction: (action: ModelAction) => void;
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
    /** `stopped`: the user pressed Stop while the model was loading. `session`: the run that failed mid-stream. */
    | { readonly kind: "failed"; readonly job: ExplainJob; readonly message: string; readonly actions: readonly ExplainPanelAction[]; readonly stopped: boolean; readonly session?: ExplainSession };

export class ExplainController implements vscode.Disposable {
    private readonly panel: ExplainPanel;
    private target: ExplainTarget | undefined;
    private run: RunState = { kind: "idle" };
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
            void vscode.window.showInformationMessage(EXPLAIN_MESSAGES.noEditor);
            return;
        }
        const job = this.buildJob(editor.document, editor.selection);
        if (!job) {
            void vscode.window.showInformationMessage(EXPLAIN_MESSAGES.nothingToExplain);
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
        const settings = this.dependencies.settings();
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
        this.panel.show();
        this.dependencies.models.wakeIfIdle();
        const status = this.dependencies.models.status;
        switch (status.kind) {
            case "ready":
                this.startSession(job);
                return;
            case "noModel":
                this.fail(job, EXPLAIN_MESSAGES.noModel, ["downloadModel", "selectModelFile", "retry"]);
                return;
            case "error": {
                const report = describeExplainModelError(status.error.code, status.error.message, status.modelPath);
                this.fail(job, report.message, report.actions);
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

    private fail(job: ExplainJob, message: string, actions: readonly ExplainPanelAction[], session?: ExplainSession, stopped = false): void {
        this.run = { kind: "failed", job, message, actions, stopped, ...(session ? { session } : {}) };
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
                    this.run.subscription.dispose();
                    this.fail(this.run.job, EXPLAIN_MESSAGES.stoppedWhileWaiting, ["retry"], undefined, true);
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
                this.dependencies.runAction(action);
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
        return presentExplanation({ job: this.currentJob(), run: this.runView(), hasTarget: this.target !== undefined });
    }

    /** The run as the presenter sees it. */
    private runView(): ExplainRunView {
        const run = this.run;
        switch (run.kind) {
            case "idle":
                return run;
            case "waiting":
                return { kind: "waiting", model: this.dependencies.models.status };
            case "session":
                return { kind: "session", ...explanationText(run.session), status: run.session.status, prefillProgress: run.session.prefillProgress };
            case "failed":
                return { kind: "failed", message: run.message, actions: run.actions, stopped: run.stopped, ...(run.session ? { shown: explanationText(run.session) } : {}) };
        }
    }
}

function explanationText(session: ExplainSession): ExplanationText {
    return { text: session.text, reachedLengthCap: session.outcome?.reachedLengthCap };
}

