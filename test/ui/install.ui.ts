// UI test of the user's install path: the linux-x64 VSIX (packed by .ci/package-vsix.mjs, as
// released) installed into code-server with --install-extension, no extension under development.
// With no model configured, the notification's "Download Phi-2" button downloads the model from a
// local HTTP server on 127.0.0.1 (phi2.download.baseUrl) serving the tiny scripted GGUF; the
// progress notification is photographed; then typing shows ghost text.
// The only test hook: PHI2_TEST=1 with PHI2_TEST_DOWNLOAD_CATALOGUE replaces the pinned catalogue
// by one naming the tiny model's SHA-256 (the real Phi-2 cannot be served here).
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { CatalogueEntry } from "../../src/download/phi2Catalogue";
import { REPO_ROOT } from "../support/codeServer";
import { ModelFileServer } from "../support/ModelFileServer";
import { ensureScriptedModel, SCRIPTS } from "../support/tinyModels";
import { noModelToast, openFromExplorer, runScenario, waitForGhostText, waitForStatusBar, type CompletionUiRun, type Scenario } from "./completion.ui";

const FILE_NAME = "playground.py";
const MODEL_FILE = "phi-2.Q4_K_M.gguf";
/** Slows the local server so the progress notification is on screen long enough to be seen. */
const CHUNK_DELAY_MS = 25;

export interface InstallUiRun extends CompletionUiRun {
    readonly vsixBytes: number;
}

export async function runInstallUiTests(): Promise<InstallUiRun> {
    const modelPath = await ensureScriptedModel([SCRIPTS.add, SCRIPTS.explain]);
    const body = fs.readFileSync(modelPath);
    const packDir = fs.mkdtempSync(path.join(os.tmpdir(), "phi2-ui-vsix-"));
    const vsix = path.join(packDir, "phi2-complete-linux-x64.vsix");
    const modelServer = new ModelFileServer();
    try {
        execFileSync(process.execPath, [path.join(REPO_ROOT, ".ci", "package-vsix.mjs"), "--target", "linux-x64", "--out", vsix], {
            cwd: REPO_ROOT,
            stdio: ["ignore", "pipe", "pipe"],
            env: { ...process.env, PHI2_VSIX_GPU: "" },
        });
        await modelServer.start();
        modelServer.serve(`/mirror/${MODEL_FILE}`, { body, chunkDelayMs: CHUNK_DELAY_MS });
        const entry: CatalogueEntry = {
            id: "Q4_K_M",
            fileName: MODEL_FILE,
            approximateBytes: body.length,
            sha256: createHash("sha256").update(body).digest("hex"),
            description: "the tiny scripted test model, standing in for Phi-2",
        };
        const run: CompletionUiRun = { results: [], screenshots: [], runDirs: [] };
        await runScenario(
            run,
            "ui-test-install",
            {
                vsix,
                settings: { "phi2.download.baseUrl": `${modelServer.baseUrl}/mirror` },
                env: { PHI2_TEST: "1", PHI2_TEST_DOWNLOAD_CATALOGUE: JSON.stringify([entry]) },
            },
            (scenario) => installChecks(scenario, modelServer),
        );
        return { ...run, vsixBytes: fs.statSync(vsix).size };
    } finally {
        await modelServer.stop();
        fs.rmSync(packDir, { recursive: true, force: true });
    }
}

function installChecks({ page, screenshot }: Scenario, modelServer: ModelFileServer) {
    const progress = page.locator(".notifications-toasts .notification-toast", { hasText: `Downloading ${MODEL_FILE}` });
    return [
        {
            name: "the installed VSIX activates on a .py file: 'no model' notification, no network traffic yet",
            run: async () => {
                await openFromExplorer(page, FILE_NAME);
                await noModelToast(page).first().waitFor({ timeout: 60_000 });
                await waitForStatusBar(page, (text) => text.includes("no model"));
                if (modelServer.requests.length > 0) throw new Error(`requests before the download: ${JSON.stringify(modelServer.requests)}`);
            },
        },
        {
            name: "Download Phi-2 → the recommended file → a progress notification with MB, MB/s and time left",
            run: async () => {
                await noModelToast(page).getByRole("button", { name: "Download Phi-2" }).click();
                const pick = page.locator(".quick-input-widget .monaco-list-row", { hasText: MODEL_FILE }).first();
                await pick.waitFor({ timeout: 15_000 });
                await page.keyboard.press("Enter");
                await progress.first().waitFor({ timeout: 15_000 });
                await progress.filter({ hasText: /\d+ \/ \d+ MB · [\d.]+ MB\/s · .* left/ }).first().waitFor({ timeout: 15_000 });
                await screenshot("download-progress");
            },
        },
        {
            name: "after the download the model is selected and loads by itself",
            run: async () => {
                await waitForStatusBar(page, (text) => text === "Phi-2", /error/);
                if (!modelServer.requests.some((request) => request.path === `/mirror/${MODEL_FILE}`)) throw new Error("the local server saw no download");
            },
        },
        {
            name: "typing shows the ghost text",
            run: async () => {
                await page.locator(".monaco-editor .view-lines").first().click();
                await page.keyboard.press("Control+End");
                await page.keyboard.type("def add(a, b):", { delay: 40 });
                await page.keyboard.press("Enter");
                await waitForGhostText(page, "return a + b");
                await screenshot("ghost-text-after-download");
            },
        },
    ];
}
