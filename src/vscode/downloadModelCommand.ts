// "Phi-2: Download Model": pick a catalogue file, download it into the extension's global storage
// with progress in a cancellable notification, then select it (phi2.modelPath) so it loads and
// ghost text works without another step. Nothing touches the network until the user runs this.
import * as path from "node:path";
import * as vscode from "vscode";
import { DownloadError, type DownloadErrorCode } from "../download/DownloadError";
import { downloadModelFile, type DownloadProgress } from "../download/downloadModelFile";
import { catalogueFileUrl, DEFAULT_CATALOGUE_ENTRY, DEFAULT_DOWNLOAD_BASE_URL, findCatalogueEntry, PHI2_CATALOGUE, type CatalogueEntry } from "../download/phi2Catalogue";
import { describeTransfer } from "../download/transferRate";
import { CONTRIBUTED_COMMANDS } from "./commandIds";
import { ACTION_LABELS, DOWNLOAD_ACTION_LABELS } from "./modelErrors";
import { errorToasts, type ToastAction } from "./OneErrorAtATime";
import { SETTINGS_SECTION } from "./settings";

export const DOWNLOAD_MODEL_COMMAND = CONTRIBUTED_COMMANDS.downloadModel;

export interface DownloadCommandDependencies {
    /** `<global storage>/models`: where downloads go and where the file dialog opens. */
    readonly modelsFolder: string;
    readonly log: vscode.LogOutputChannel;
    /** Loads the configured model again (after a download of the file that is already configured). */
    readonly reloadModel: () => Promise<void>;
    /**
     * Test mode only: the catalogue to offer instead of the pinned one, so the tests can download a
     * tiny generated model (whose hash they know) from a local server.
     */
    readonly testCatalogue?: () => readonly CatalogueEntry[] | undefined;
}

/** The command's handler (the command table registers it): one download at a time. */
export function downloadModelHandler(dependencies: DownloadCommandDependencies): (id?: string) => Promise<void> {
    let running: Promise<void> | undefined;
    return async (id?: string) => {
        if (running) {
            void vscode.window.showInformationMessage("Phi-2: the model is already downloading (see the notification).");
            return;
        }
        const catalogue = dependencies.testCatalogue?.() ?? PHI2_CATALOGUE;
        const entry = typeof id === "string" ? findCatalogueEntry(id, catalogue) : await pickEntry(catalogue);
        if (!entry) return;
        running = download(entry, dependencies).finally(() => (running = undefined));
        await running;
    };
}

async function pickEntry(catalogue: readonly CatalogueEntry[]): Promise<CatalogueEntry | undefined> {
    const items = catalogue.map((entry) => ({
        label: entry.fileName,
        description: `${(entry.approximateBytes / 1e9).toFixed(2)} GB${entry.id === DEFAULT_CATALOGUE_ENTRY.id ? " · recommended" : ""}`,
        detail: entry.description,
        entry,
    }));
    const picked = await vscode.window.showQuickPick(items, { title: "Phi-2: Download Model", placeHolder: "Which Phi-2 file? Each is checked against its published SHA-256." });
    return picked?.entry;
}

async function download(entry: CatalogueEntry, dependencies: DownloadCommandDependencies): Promise<void> {
    const { log } = dependencies;
    const url = catalogueFileUrl(downloadBaseUrl(), entry);
    const destinationPath = path.join(dependencies.modelsFolder, entry.fileName);
    log.info(`Downloading ${url} to ${destinationPath}.`);
    try {
        const result = await vscode.window.withProgress(
            { location: vscode.ProgressLocation.Notification, title: `Phi-2: Downloading ${entry.fileName}`, cancellable: true },
            (progress, token) => {
                const controller = new AbortController();
                token.onCancellationRequested(() => controller.abort());
                let reportedPercent = 0;
                const onProgress = (event: DownloadProgress) => {
                    const total = event.totalBytes ?? entry.approximateBytes;
                    const percent = Math.min(100, (event.receivedBytes / total) * 100);
                    const message = event.phase === "verifying"
                        ? `Checking the SHA-256… ${Math.round(percent)}%`
                        : describeTransfer(event.receivedBytes, event.totalBytes, event.bytesPerSecond, event.secondsLeft);
                    // The bar restarts for the check; increments are relative, so report the difference.
                    const increment = event.phase === "verifying" ? 0 : percent - reportedPercent;
                    reportedPercent = Math.max(reportedPercent, percent);
                    progress.report({ message, increment: increment > 0 ? increment : undefined });
                };
                return downloadModelFile({ url, destinationPath, sha256: entry.sha256, expectedBytes: entry.approximateBytes, signal: controller.signal, onProgress, proxyUrl: proxyUrl() });
            },
        );
        log.info(
            result.alreadyPresent
                ? `${result.path} is already downloaded (SHA-256 matches).`
                : `Downloaded ${result.bytes} bytes to ${result.path} in ${result.attempts} connection(s)${result.resumedFromBytes ? `, resumed from ${result.resumedFromBytes} bytes` : ""}; SHA-256 matches.`,
        );
        await selectDownloadedModel(result.path, dependencies);
    } catch (error) {
        reportFailure(error, entry, dependencies);
    }
}

/** Makes the downloaded file the configured model; the settings change loads it. */
async function selectDownloadedModel(modelPath: string, dependencies: DownloadCommandDependencies): Promise<void> {
    const config = vscode.workspace.getConfiguration(SETTINGS_SECTION);
    // Global is the user's machine settings; in a remote window VS Code writes a machine-scoped
    // setting to the Remote settings, where the remote extension host reads it.
    if (config.get<string>("modelPath") === modelPath) await dependencies.reloadModel();
    else await config.update("modelPath", modelPath, vscode.ConfigurationTarget.Global);
    vscode.window.setStatusBarMessage(`Phi-2: downloaded and selected ${path.basename(modelPath)}`, 5000);
}

function downloadBaseUrl(): string {
    return vscode.workspace.getConfiguration(SETTINGS_SECTION).get<string>("download.baseUrl", "").trim() || DEFAULT_DOWNLOAD_BASE_URL;
}

/** VS Code's own proxy setting, else the usual environment variables (as VS Code itself does). */
function proxyUrl(): string | undefined {
    const configured = vscode.workspace.getConfiguration("http").get<string>("proxy", "").trim();
    return configured || process.env.HTTPS_PROXY || process.env.https_proxy || process.env.HTTP_PROXY || process.env.http_proxy || undefined;
}

function reportFailure(error: unknown, entry: CatalogueEntry, dependencies: DownloadCommandDependencies): void {
    const downloadError = error instanceof DownloadError ? error : new DownloadError("NETWORK", String(error));
    dependencies.log.warn(`Download of ${entry.fileName} stopped (${downloadError.code}): ${downloadError.message}`);
    const retry: ToastAction = { title: downloadError.code === "CANCELLED" || downloadError.code === "NETWORK" || downloadError.code === "STALLED" ? DOWNLOAD_ACTION_LABELS.resume : DOWNLOAD_ACTION_LABELS.retry, run: () => vscode.commands.executeCommand(DOWNLOAD_MODEL_COMMAND, entry.id) };
    if (downloadError.code === "CANCELLED") {
        void vscode.window.showInformationMessage(`Phi-2: download paused. ${downloadError.message}`, retry.title).then((picked) => picked && retry.run());
        return;
    }
    const actions = FAILURE_ACTIONS[downloadError.code].map((name) => (name === "retry" ? retry : OTHER_ACTIONS[name]));
    errorToasts.show(`Phi-2: the download failed. ${downloadError.message}`, actions);
}

type FailureAction = "retry" | "proxySettings" | "downloadSettings" | "selectModelFile" | "showLogs";

/** The buttons for each failure, the likely fix first. */
const FAILURE_ACTIONS: Record<DownloadErrorCode, readonly FailureAction[]> = {
    OFFLINE: ["retry", "proxySettings", "selectModelFile"],
    NOT_FOUND: ["downloadSettings", "selectModelFile"],
    FORBIDDEN: ["downloadSettings", "proxySettings"],
    HTTP_ERROR: ["retry", "showLogs"],
    NETWORK: ["retry", "proxySettings"],
    STALLED: ["retry", "proxySettings"],
    HASH_MISMATCH: ["retry", "downloadSettings"],
    DISK_FULL: ["retry", "showLogs"],
    CANCELLED: ["retry"],
};

const OTHER_ACTIONS: Record<Exclude<FailureAction, "retry">, ToastAction> = {
    proxySettings: { title: DOWNLOAD_ACTION_LABELS.proxySettings, run: () => vscode.commands.executeCommand("workbench.action.openSettings", "http.proxy") },
    downloadSettings: { title: DOWNLOAD_ACTION_LABELS.downloadSettings, run: () => vscode.commands.executeCommand("workbench.action.openSettings", "phi2.download") },
    selectModelFile: { title: ACTION_LABELS.selectModelFile, run: () => vscode.commands.executeCommand(CONTRIBUTED_COMMANDS.selectModelFile) },
    showLogs: { title: ACTION_LABELS.showLogs, run: () => vscode.commands.executeCommand(CONTRIBUTED_COMMANDS.showLogs) },
};
