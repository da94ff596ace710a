// The Phi-2 commands (declared in package.json under the "Phi-2" category) and the status bar's
// action picker.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as vscode from "vscode";
import { validateModelFile } from "../modelFile/validateModelFile";
import { DOWNLOAD_MODEL_COMMAND } from "./downloadModelCommand";
import { ACTION_LABELS, NO_MODEL_MESSAGE, PHI2_DOWNLOAD_URL, remoteWindowNote, type ModelAction } from "./modelErrors";
import type { ModelManager } from "./ModelManager";
import { STATUS_BAR_ACTIONS_COMMAND } from "./ModelStatusBar";
import { SET_SERVER_API_KEY_COMMAND } from "./serverApiKey";
import { SETTINGS_SECTION } from "./settings";

export const COMMANDS = {
    selectModelFile: "phi2.selectModelFile",
    toggleCompletions: "phi2.toggleCompletions",
    restartModel: "phi2.restartModel",
    showLogs: "phi2.showLogs",
    /** "Phi-2: Explain This Code" in the editor's context menu, where a command's category is not shown. */
    explainFromContextMenu: "phi2.explainFromContextMenu",
} as const;

const ACTION_COMMANDS: Record<ModelAction, () => Thenable<unknown> | void> = {
    downloadModel: () => vscode.commands.executeCommand(DOWNLOAD_MODEL_COMMAND),
    selectModelFile: () => vscode.commands.executeCommand(COMMANDS.selectModelFile),
    restartModel: () => vscode.commands.executeCommand(COMMANDS.restartModel),
    showLogs: () => vscode.commands.executeCommand(COMMANDS.showLogs),
    openDownloadPage: () => vscode.env.openExternal(vscode.Uri.parse(PHI2_DOWNLOAD_URL)),
    setServerApiKey: () => vscode.commands.executeCommand(SET_SERVER_API_KEY_COMMAND),
    openServerSettings: () => vscode.commands.executeCommand("workbench.action.openSettings", "phi2.server"),
};

export function runModelAction(action: ModelAction): void {
    void ACTION_COMMANDS[action]();
}

/**
 * `describeStatistics` gives this session's local completion numbers (CompletionStatistics), listed
 * at the end of the status bar's menu.
 */
export function registerCommands(models: ModelManager, log: vscode.LogOutputChannel, modelsFolder: string, describeStatistics?: () => readonly string[]): vscode.Disposable[] {
    return [
        vscode.commands.registerCommand(COMMANDS.selectModelFile, () => selectModelFile(modelsFolder, log)),
        vscode.commands.registerCommand(COMMANDS.toggleCompletions, () => toggleCompletions()),
        vscode.commands.registerCommand(COMMANDS.restartModel, () =>
            vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: "Restarting Phi-2" }, () => models.restart()),
        ),
        vscode.commands.registerCommand(COMMANDS.showLogs, () => log.show(true)),
        vscode.commands.registerCommand(COMMANDS.explainFromContextMenu, () => vscode.commands.executeCommand("phi2.explain")),
        vscode.commands.registerCommand(STATUS_BAR_ACTIONS_COMMAND, () => pickStatusAction(models, describeStatistics?.() ?? [])),
    ];
}

/**
 * Lets the user pick a GGUF and stores it in the machine-scoped phi2.modelPath (the change reloads).
 * The file's header is checked first, so a wrong pick never replaces a working model.
 */
async function selectModelFile(modelsFolder: string, log: vscode.LogOutputChannel): Promise<void> {
    const current = vscode.workspace.getConfiguration(SETTINGS_SECTION).get<string>("modelPath", "");
    const picked = await vscode.window.showOpenDialog({
        title: "Phi-2: Select a Phi-2 model file (GGUF)",
        openLabel: "Use This Model",
        canSelectFiles: true,
        canSelectFolders: false,
        canSelectMany: false,
        filters: { "GGUF models": ["gguf"] },
        defaultUri: vscode.Uri.file(dialogFolder(current, modelsFolder)),
    });
    const file = picked?.[0];
    if (!file) return;
    const check = await validateModelFile(file.fsPath);
    if (!check.ok) {
        log.warn(`Not using ${file.fsPath}: ${check.reason}`);
        const again = "Select Another File...";
        const choice = await vscode.window.showErrorMessage(`Phi-2: ${check.reason} The model setting was not changed.`, again, ACTION_LABELS.downloadModel);
        if (choice === again) await vscode.commands.executeCommand(COMMANDS.selectModelFile);
        else if (choice) await vscode.commands.executeCommand(DOWNLOAD_MODEL_COMMAND);
        return;
    }
    // Global is the user's machine settings; in a remote window VS Code writes a machine-scoped
    // setting to the Remote settings, which the remote extension host reads.
    await vscode.workspace.getConfiguration(SETTINGS_SECTION).update("modelPath", file.fsPath, vscode.ConfigurationTarget.Global);
}

/** Where the dialog opens: the configured model's folder, else the downloads folder, else home (never the workspace). */
function dialogFolder(currentModel: string, modelsFolder: string): string {
    const candidates = [currentModel ? path.dirname(currentModel) : "", modelsFolder, os.homedir()];
    return candidates.find((folder) => folder && fs.existsSync(folder)) ?? os.homedir();
}

async function toggleCompletions(): Promise<void> {
    const config = vscode.workspace.getConfiguration(SETTINGS_SECTION);
    const enabled = config.get<boolean>("enable", true);
    // Toggle where the effective value comes from, so a workspace value is not silently shadowing it.
    const inspected = config.inspect<boolean>("enable");
    const target = inspected?.workspaceValue !== undefined ? vscode.ConfigurationTarget.Workspace : vscode.ConfigurationTarget.Global;
    await config.update("enable", !enabled, target);
    vscode.window.setStatusBarMessage(`Phi-2 completions ${enabled ? "off" : "on"}`, 2000);
}

interface ActionItem extends vscode.QuickPickItem {
    readonly run: () => Thenable<unknown> | void;
}

/** The status bar click: the actions that make sense in the current state, the likely one first. */
async function pickStatusAction(models: ModelManager, statistics: readonly string[]): Promise<void> {
    const status = models.status;
    const enabled = vscode.workspace.getConfiguration(SETTINGS_SECTION).get<boolean>("enable", true);
    const action = (name: ModelAction, detail?: string): ActionItem => ({ label: ACTION_LABELS[name], detail, run: ACTION_COMMANDS[name] });
    const toggle: ActionItem = {
        label: enabled ? "Turn Completions Off" : "Turn Completions On",
        run: () => vscode.commands.executeCommand(COMMANDS.toggleCompletions),
    };
    let items: ActionItem[];
    let placeHolder: string;
    switch (status.kind) {
        case "noModel":
            placeHolder = "No Phi-2 model file is configured";
            items = [action("downloadModel", NO_MODEL_MESSAGE + remoteWindowNote(vscode.env.remoteName)), action("selectModelFile"), action("showLogs")];
            break;
        case "error":
            placeHolder = status.error.message;
            items = [action("selectModelFile"), action("downloadModel"), action("restartModel"), action("showLogs")];
            break;
        case "ready":
            placeHolder = `Phi-2 is ready (${status.info.modelPath})`;
            items = [toggle, action("selectModelFile"), action("downloadModel"), action("restartModel"), action("showLogs")];
            break;
        default:
            placeHolder = `Phi-2 is ${status.kind}`;
            items = [action("showLogs"), action("restartModel"), action("selectModelFile"), toggle];
    }
    if (statistics.length > 0) {
        // Last, so the likely action stays first; picking it opens the log with the per-request lines.
        items.push(
            { label: "This session (counted on this machine only)", kind: vscode.QuickPickItemKind.Separator, run: () => undefined },
            { label: `$(graph) ${statistics[0]}`, detail: statistics.slice(1).join(" · ") || undefined, run: ACTION_COMMANDS.showLogs },
        );
    }
    const picked = await vscode.window.showQuickPick(items, { placeHolder, title: "Phi-2" });
    await picked?.run();
}
