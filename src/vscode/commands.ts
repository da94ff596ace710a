// The command table: every command the extension registers, name -> factory(session) -> handler,
// registered in one place (registerCommands). The ids are in commandIds.ts (the contributed ones
// match package.json, which a unit test checks); the status bar's action picker is here too.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as vscode from "vscode";
import { validateModelFile } from "../modelFile/validateModelFile";
import { CONTRIBUTED_COMMANDS, INTERNAL_COMMANDS, TEST_COMMANDS, type CommandName } from "./commandIds";
import { downloadModelHandler } from "./downloadModelCommand";
import type { ExplainPanelMessage } from "./ExplainPanel";
import { HIDE_INLINE_SUGGEST_COMMAND } from "./InlineCompletionProvider";
import { ACTION_LABELS, COMMAND_WORDING, NO_MODEL_MESSAGE, PHI2_DOWNLOAD_URL, remoteWindowNote, type ModelAction } from "./modelErrors";
import type { ModelManager } from "./ModelManager";
import type { Phi2Session } from "./Phi2Session";
import { setServerApiKey } from "./serverApiKey";
import { SETTINGS_SECTION } from "./settings";
import { readTestCatalogue } from "./testApi";

/** The contributed commands' ids by name (kept for the callers that run them). */
export const COMMANDS = CONTRIBUTED_COMMANDS;

/** Builds a command's handler from the session (once per activation). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a command's arguments are whatever its caller passes
type CommandFactory = (session: Phi2Session) => (...args: any[]) => unknown;

const COMMAND_TABLE: Readonly<Record<CommandName, CommandFactory>> = {
    downloadModel: (session) =>
        downloadModelHandler({
            modelsFolder: session.modelsFolder,
            log: session.log,
            reloadModel: () => session.models.loadConfiguredModel(),
            testCatalogue: session.testMode ? readTestCatalogue : undefined,
        }),
    selectModelFile: (session) => () => selectModelFile(session.modelsFolder, session.log),
    toggleCompletions: () => () => toggleCompletions(),
    restartModel: (session) => () => vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: "Restarting Phi-2" }, () => session.models.restart()),
    showLogs: (session) => () => session.log.show(true),
    explain: (session) => () => session.explain.explainActiveEditor(),
    explainFromContextMenu: () => () => vscode.commands.executeCommand(CONTRIBUTED_COMMANDS.explain),
    setServerApiKey: (session) => (key?: string) => setServerApiKey(session.context.secrets, key),
    statusBarActions: (session) => () => pickStatusAction(session.models, session.describeStatistics()),
    completionAccepted: (session) => (outcome) => {
        session.engine.notifyAccepted(outcome);
        session.refreshStatusBar();
    },
    dismissSuggestion: (session) => () => {
        const editor = vscode.window.activeTextEditor;
        if (editor) session.provider.dismiss(editor.document);
        return vscode.commands.executeCommand(HIDE_INLINE_SUGGEST_COMMAND);
    },
    explainTestState: (session) => () => session.explain.testState(),
    explainTestMessage: (session) => (message: ExplainPanelMessage) => session.explain.receive(message),
};

/** The ids this session registers: the test commands only in test mode. */
function commandIds(session: Phi2Session): Readonly<Partial<Record<CommandName, string>>> {
    return { ...CONTRIBUTED_COMMANDS, ...INTERNAL_COMMANDS, ...(session.testMode ? TEST_COMMANDS : {}) };
}

/** Registers every command of the table, each once; the session records which. */
export function registerCommands(session: Phi2Session): vscode.Disposable[] {
    return Object.entries(commandIds(session)).map(([name, id]) => {
        session.registeredCommands.push(id);
        return vscode.commands.registerCommand(id, COMMAND_TABLE[name as CommandName](session));
    });
}

const ACTION_COMMANDS: Record<ModelAction, () => Thenable<unknown> | void> = {
    downloadModel: () => vscode.commands.executeCommand(CONTRIBUTED_COMMANDS.downloadModel),
    selectModelFile: () => vscode.commands.executeCommand(CONTRIBUTED_COMMANDS.selectModelFile),
    restartModel: () => vscode.commands.executeCommand(CONTRIBUTED_COMMANDS.restartModel),
    showLogs: () => vscode.commands.executeCommand(CONTRIBUTED_COMMANDS.showLogs),
    openDownloadPage: () => vscode.env.openExternal(vscode.Uri.parse(PHI2_DOWNLOAD_URL)),
    setServerApiKey: () => vscode.commands.executeCommand(CONTRIBUTED_COMMANDS.setServerApiKey),
    openServerSettings: () => vscode.commands.executeCommand("workbench.action.openSettings", "phi2.server"),
};

export function runModelAction(action: ModelAction): void {
    void ACTION_COMMANDS[action]();
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
        const again = COMMAND_WORDING.selectAnotherFile;
        const choice = await vscode.window.showErrorMessage(COMMAND_WORDING.notAModelFile(check.reason), again, ACTION_LABELS.downloadModel);
        if (choice === again) await vscode.commands.executeCommand(COMMANDS.selectModelFile);
        else if (choice) await vscode.commands.executeCommand(COMMANDS.downloadModel);
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
        label: enabled ? COMMAND_WORDING.turnCompletionsOff : COMMAND_WORDING.turnCompletionsOn,
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
