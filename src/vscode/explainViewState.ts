// The explain panel's presenter: what the panel shows for where an explanation run is (waiting for
// the model, reading the code, streaming, stopped, failed, done). Pure data in, pure data out (no
// vscode import), so every state's wording is unit-tested; ExplainController feeds it and sends
// the result to ExplainPanel.
import type { ExplainJob } from "../core/explain/explainPrompt";
import type { ExplainStatus } from "../core/explain/ExplainSession";
import { markdownToSafeTree, type SafeNode } from "../core/explain/safeMarkdown";
import type { PrefillProgress } from "../core/textGenerator";
import { EXPLAIN_ACTION_LABELS, type ExplainPanelAction } from "./modelErrors";

export type { ExplainPanelAction } from "./modelErrors";

export type ExplainViewStatus = "waiting" | "streaming" | "done" | "stopped" | "error";

/** Everything the panel shows; the script renders it as a whole (no model text as HTML). */
export interface ExplainViewState {
    readonly status: ExplainViewStatus;
    /** One line under the title: "Explaining...", "Done", "Waiting for the model (42%)". */
    readonly statusText: string;
    readonly source?: { readonly title: string; readonly detail: string };
    /** Notes above the explanation (trimmed input, length cap). */
    readonly notes: readonly string[];
    readonly error?: { readonly message: string; readonly actions: readonly { readonly id: ExplainPanelAction; readonly label: string }[] };
    readonly tree: readonly SafeNode[];
    readonly canStop: boolean;
    readonly canCopy: boolean;
    readonly canExplainAgain: boolean;
}

export const EMPTY_VIEW_STATE: ExplainViewState = {
    status: "waiting",
    statusText: "",
    notes: [],
    tree: [],
    canStop: false,
    canCopy: false,
    canExplainAgain: false,
};

/** The model's status as far as the waiting text needs it (ModelManager's ModelStatus fits). */
export interface WaitedModel {
    readonly kind: string;
    readonly progress?: number;
}

/** The explanation's text so far and how its generation ended, when it did. */
export interface ExplanationText {
    readonly text: string;
    /** The length cap (phi2.explain.maxTokens) ended it. */
    readonly reachedLengthCap?: boolean;
}

/** Where the run is, as plain data. */
export type ExplainRunView =
    | { readonly kind: "idle" }
    | { readonly kind: "waiting"; readonly model: WaitedModel }
    | ({ readonly kind: "session"; readonly status: ExplainStatus; readonly prefillProgress?: PrefillProgress } & ExplanationText)
    /** `stopped`: the user pressed Stop while the model was still loading. `shown`: the text of a run that failed mid-stream. */
    | { readonly kind: "failed"; readonly message: string; readonly actions: readonly ExplainPanelAction[]; readonly stopped: boolean; readonly shown?: ExplanationText };

export interface ExplainPresentation {
    /** The job being (or last) explained. */
    readonly job: ExplainJob | undefined;
    readonly run: ExplainRunView;
    /** There is a place to explain again (the command ran at least once). */
    readonly hasTarget: boolean;
}

export function presentExplanation({ job, run, hasTarget }: ExplainPresentation): ExplainViewState {
    const shown = shownText(run);
    const text = shown?.text ?? "";
    const { status, statusText } = describeRun(run, text);
    return {
        status,
        statusText,
        ...(job ? { source: describeSource(job) } : {}),
        notes: explainNotes(job, shown),
        ...(run.kind === "failed" ? { error: { message: run.message, actions: run.actions.map((id) => ({ id, label: EXPLAIN_ACTION_LABELS[id] })) } } : {}),
        tree: markdownToSafeTree(text),
        canStop: status === "streaming" || status === "waiting",
        canCopy: text !== "",
        canExplainAgain: hasTarget && status !== "streaming" && status !== "waiting",
    };
}

/** The text the panel shows: the running explanation's, or the one that failed mid-stream. */
function shownText(run: ExplainRunView): ExplanationText | undefined {
    if (run.kind === "session") return run;
    return run.kind === "failed" ? run.shown : undefined;
}

function describeRun(run: ExplainRunView, text: string): { status: ExplainViewStatus; statusText: string } {
    switch (run.kind) {
        case "idle":
            return { status: "waiting", statusText: "" };
        case "waiting":
            return { status: "waiting", statusText: waitingText(run.model) };
        case "failed":
            return { status: "error", statusText: run.stopped ? "Stopped" : "Error" };
        case "session":
            switch (run.status) {
                case "idle":
                case "streaming":
                    return { status: "streaming", statusText: text === "" ? readingText(run.prefillProgress) : "Explaining..." };
                case "stopped":
                    return { status: "stopped", statusText: "Stopped" };
                case "error":
                    return { status: "error", statusText: "Error" };
                default:
                    return { status: "done", statusText: text === "" ? "Done: Phi-2 wrote no explanation. Try Explain Again or select less code." : "Done" };
            }
    }
}

/** Notes above the explanation: what was left out of the prompt, and a cut at the length cap. */
function explainNotes(job: ExplainJob | undefined, shown: ExplanationText | undefined): string[] {
    const notes: string[] = [];
    if (job?.trimmed) {
        const lines = job.trimmed.shownEndLine - job.source.startLine + 1;
        notes.push(
            `The code is too long for one explanation: only its first ${lines} lines (${lineSpan(job.source.startLine, job.trimmed.shownEndLine)}) ` +
                `were sent; ${job.trimmed.omittedLines} more lines were left out.`,
        );
    }
    if (shown?.reachedLengthCap) {
        notes.push(`The explanation reached the length limit (phi2.explain.maxTokens = ${job?.maxTokens}) and may end mid-sentence.`);
    }
    return notes;
}

function waitingText(model: WaitedModel): string {
    switch (model.kind) {
        case "loading":
            return `Waiting for the Phi-2 model to load (${Math.round((model.progress ?? 0) * 100)}%). The explanation starts when it is ready.`;
        case "restarting":
            return "The model process is restarting. The explanation starts when it is ready.";
        default:
            return "Starting the Phi-2 model. The explanation starts when it is ready.";
    }
}

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
