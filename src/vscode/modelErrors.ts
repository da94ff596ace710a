// What a user reads when the model cannot be used, and what they can do about it. One message per
// failure kind, each with the actions that fix it.
import * as path from "node:path";
import type { ClientErrorCode } from "../hostClient/ModelHostError";
import type { ServerErrorCode } from "../serverClient/LlamaServerError";
import { errorText } from "../core/errorText";

export const PHI2_DOWNLOAD_URL = "https://huggingface.co/TheBloke/phi-2-GGUF";
export const PHI2_RECOMMENDED_FILE = "phi-2.Q4_K_M.gguf";

export type ModelAction = "downloadModel" | "selectModelFile" | "openDownloadPage" | "restartModel" | "showLogs" | "setServerApiKey" | "openServerSettings";

export const ACTION_LABELS: Record<ModelAction, string> = {
    downloadModel: "Download Phi-2",
    selectModelFile: "Select Model File...",
    openDownloadPage: "Where to Get Phi-2",
    restartModel: "Restart Model",
    showLogs: "Show Logs",
    setServerApiKey: "Set Server API Key",
    openServerSettings: "Open Server Settings",
};

export interface ModelErrorReport {
    readonly message: string;
    readonly actions: readonly ModelAction[];
}

export const NO_MODEL_MESSAGE =
    `Phi-2 Complete needs the Phi-2 model on this machine: download ${PHI2_RECOMMENDED_FILE} (1.8 GB, checked against its published SHA-256), ` +
    "or select a GGUF you already have. Your code never leaves this machine.";

/**
 * In a remote window (SSH, WSL, containers, Codespaces, code-server) the model runs on the remote
 * machine and the machine-scoped phi2.modelPath is read from the Remote settings only.
 */
export function remoteWindowNote(remoteName: string | undefined): string {
    if (!remoteName) return "";
    return ` This is a remote window (${remoteName}): the model must be on the remote machine, and phi2.modelPath goes in the Remote settings (a value in your local User settings is ignored here). Download and Select Model File write it there.`;
}

/** The model host file is from another build of the extension: only a rebuild or reinstall fixes it (Restart Model would start the same file). The log has the file and both versions. */
const HOST_VERSION_MISMATCH_REPORT: ModelErrorReport = {
    message: "Phi-2 Complete's model process belongs to another version of the extension. Reinstall the extension (in a development checkout: run npm run build), then reload the window.",
    actions: ["showLogs"],
};

/** The model host never started (its file missing, or it ends before its handshake): the installation is broken, not the model. The log has the host's output. */
const BROKEN_INSTALL_REPORT: ModelErrorReport = {
    message: "Phi-2 Complete is not installed correctly: its model process could not start. Reinstall the extension (in a development checkout: run npm run build), then reload the window.",
    actions: ["showLogs"],
};

/**
 * The user-facing report for a failed load or a failed model host. The host's messages for model
 * files already say what is wrong and what to select; this adds the buttons.
 */
export function describeModelError(code: ClientErrorCode | ServerErrorCode, detail: string, modelPath: string): ModelErrorReport {
    switch (code) {
        // The llama-server backend's messages already say what happened and what to do.
        case "UNAUTHORIZED":
            return { message: detail, actions: ["setServerApiKey", "showLogs"] };
        case "BAD_URL":
            return { message: detail, actions: ["openServerSettings"] };
        case "WRONG_MODEL":
            return { message: detail, actions: ["openServerSettings", "showLogs"] };
        case "UNREACHABLE":
        case "OVERLOADED":
        case "BAD_RESPONSE":
            return { message: detail, actions: ["restartModel", "openServerSettings", "showLogs"] };
        case "MODEL_NOT_FOUND":
        case "MODEL_INVALID":
            return { message: detail, actions: ["downloadModel", "selectModelFile", "showLogs"] };
        case "WRONG_ARCHITECTURE":
            return { message: detail, actions: ["downloadModel", "selectModelFile"] };
        case "MODEL_CRASHED":
            return { message: detail, actions: ["downloadModel", "selectModelFile", "showLogs"] };
        case "HOST_VERSION_MISMATCH":
            return HOST_VERSION_MISMATCH_REPORT;
        case "HOST_BROKEN_INSTALL":
            return BROKEN_INSTALL_REPORT;
        case "HOST_CRASH_LOOP":
            return { message: `Phi-2 stopped: ${detail}`, actions: ["restartModel", "showLogs"] };
        case "HOST_EXITED":
        case "HOST_UNAVAILABLE":
            return {
                message: `The Phi-2 model process stopped: ${detail} Restart it, or see the logs (out of memory?).`,
                actions: ["restartModel", "showLogs"],
            };
        default:
            return {
                message: `Phi-2 could not load ${modelPath ? path.basename(modelPath) : "the model"}: ${detail}`,
                actions: ["restartModel", "selectModelFile", "showLogs"],
            };
    }
}

/** The button that runs a failed explanation or download again. */
export const RETRY_LABEL = "Retry";

/** Buttons in the explain panel's error box: the model actions that make sense there, and Retry. */
export type ExplainPanelAction = "retry" | Extract<ModelAction, "downloadModel" | "selectModelFile" | "restartModel" | "showLogs">;

export const EXPLAIN_ACTION_LABELS: Record<ExplainPanelAction, string> = {
    retry: RETRY_LABEL,
    downloadModel: ACTION_LABELS.downloadModel,
    selectModelFile: ACTION_LABELS.selectModelFile,
    restartModel: ACTION_LABELS.restartModel,
    showLogs: ACTION_LABELS.showLogs,
};

/** What "Phi-2: Explain This Code" says when it cannot start, and when it fails. */
export const EXPLAIN_MESSAGES = {
    noEditor: "Phi-2: open a Python file and select the code to explain.",
    nothingToExplain: "Phi-2: nothing to explain here. Select some code, or put the cursor inside a function or class.",
    noModel: `No Phi-2 model is configured, so there is nothing to explain with. ${NO_MODEL_MESSAGE}`,
    stoppedWhileWaiting: "Stopped before the model was ready.",
} as const;

/** The explain panel's report for a model that is in error: the model's report with Retry first. */
export function describeExplainModelError(code: ClientErrorCode | ServerErrorCode, detail: string, modelPath: string): { message: string; actions: ExplainPanelAction[] } {
    const report = describeModelError(code, detail, modelPath);
    const panelActions = report.actions.filter((action): action is Exclude<ExplainPanelAction, "retry"> => action in EXPLAIN_ACTION_LABELS);
    return { message: report.message, actions: ["retry", ...panelActions] };
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

/** The commands' own prompts: a picked file that is not a usable model, the status bar's toggle. */
export const COMMAND_WORDING = {
    selectAnotherFile: "Select Another File...",
    notAModelFile: (reason: string) => `Phi-2: ${reason} The model setting was not changed.`,
    turnCompletionsOff: "Turn Completions Off",
    turnCompletionsOn: "Turn Completions On",
} as const;

/** Buttons of the download's failure toasts that are not model actions. */
export const DOWNLOAD_ACTION_LABELS = {
    resume: "Resume",
    retry: RETRY_LABEL,
    proxySettings: "Proxy Settings",
    downloadSettings: "Download Settings",
} as const;

/** The toast when activation itself fails (e.g. the extension's files are broken); a missing host file is reported at the first load. */
export function startFailureMessage(detail: string): string {
    return `Phi-2 Complete failed to start: ${detail}`;
}
