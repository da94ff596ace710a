// UI test of inline completion, the user's view, in headless Chromium on a real VS Code
// (code-server): open a Python file from the Explorer, type, see the scripted model's ghost text,
// accept it with Tab. The accepted text is checked in the saved file (not the DOM, which also
// holds the next ghost text). Screenshots go to artifacts/ui-test/ (git-ignored).
// Run by test/ui/run.ts (`npm run test:ui`).
import * as fs from "node:fs";
import * as path from "node:path";
import type { Page } from "playwright-core";
import {
    ARTIFACTS_DIR,
    CodeServer,
    copySampleWorkspace,
    delay,
    editorSettings,
    freshRunDirectory,
    launchBrowser,
    REPO_ROOT,
} from "../support/codeServer";
import { verifyPocketModel } from "../support/pocket/pocketModel";
import { ensureScriptedModel, SCRIPTS } from "../support/tinyModels";

const FILE_NAME = "playground.py";
const TYPED_LINE = "def add(a, b):";
/** SCRIPTS.add continues `def add(a, b):\n` with `    return a + b`; auto-indent types the spaces. */
const EXPECTED_GHOST_TEXT = "return a + b";
/** Workbench start, extension activation and the model load on a busy 2-core machine. */
const WORKBENCH_TIMEOUT_MS = 60_000;
const GHOST_TEXT_TIMEOUT_MS = 30_000;

export interface Check {
    readonly name: string;
    readonly run: () => Promise<void>;
}

export interface UiTestResult {
    readonly title: string;
    readonly passed: boolean;
    readonly error?: string;
    readonly durationMs: number;
}

export interface Scenario {
    readonly model: string | undefined;
    readonly workspace: string;
    readonly page: Page;
    readonly serverUrl: string;
    screenshot(name: string): Promise<void>;
}

export interface CompletionUiRun {
    readonly results: UiTestResult[];
    readonly screenshots: string[];
    readonly runDirs: string[];
}

/** Both scenarios, each on its own editor (phi2.modelPath is machine-scoped: set before start). */
export async function runCompletionUiTests(): Promise<CompletionUiRun> {
    if (!SCRIPTS.add.startsWith(`${TYPED_LINE}\n    ${EXPECTED_GHOST_TEXT}`)) throw new Error("SCRIPTS.add changed: update test/ui/completion.ui.ts");
    const modelPath = await ensureScriptedModel([SCRIPTS.add, SCRIPTS.explain]);
    const run: CompletionUiRun = { results: [], screenshots: [], runDirs: [] };
    await runScenario(run, "ui-test", { modelPath }, typingScenario);
    await runScenario(run, "ui-test-no-model", {}, (scenario) => noModelScenario(scenario, modelPath));
    // Alternatives need a model whose sampled continuations differ: the pocket Phi-2 writes code.
    const pocket = await verifyPocketModel();
    await runScenario(run, "ui-test-alternatives", { modelPath: pocket.path, settings: { "phi2.alternatives": 3 } }, alternativesScenario);
    return { ...run, screenshots: [...new Set(run.screenshots)] };
}

function typingScenario({ page, workspace, screenshot }: Scenario): Check[] {
    const filePath = path.join(workspace, FILE_NAME);
    return [
        {
            name: `clicking ${FILE_NAME} in the Explorer opens it and the status bar shows the model ready`,
            run: async () => {
                await openFromExplorer(page, FILE_NAME);
                // Opening Python activates the extension; the status bar says when the model is ready.
                await waitForStatusBar(page, (text) => text === "Phi-2", /error|no model/);
            },
        },
        {
            name: `typing "${TYPED_LINE}" + Enter shows the ghost text "${EXPECTED_GHOST_TEXT}"`,
            run: async () => {
                await page.locator(".monaco-editor .view-lines").first().click();
                await page.keyboard.press("Control+End");
                await page.keyboard.type(TYPED_LINE, { delay: 40 });
                await page.keyboard.press("Enter");
                await waitForGhostText(page, EXPECTED_GHOST_TEXT);
                await screenshot("ghost-text");
            },
        },
        {
            name: "Tab accepts it: the saved file ends with the completed function",
            run: async () => {
                await page.keyboard.press("Tab");
                await page.keyboard.press("Control+S");
                const expectedEnd = `${TYPED_LINE}\n    ${EXPECTED_GHOST_TEXT}`;
                const text = await waitForFile(filePath, (content) => content.trimEnd().endsWith(expectedEnd));
                await screenshot("accepted");
                if (!text.trimEnd().endsWith(expectedEnd)) throw new Error(`saved file ends with ${JSON.stringify(text.slice(-80))}`);
                if (text.includes(`${EXPECTED_GHOST_TEXT}${EXPECTED_GHOST_TEXT}`)) throw new Error("the suggestion was inserted twice");
            },
        },
    ];
}

/** A method body where the pocket model's greedy and sampled continuations differ (measured). */
const ALTERNATIVES_FILE = "stack.py";
const ALTERNATIVES_SOURCE = "class Stack:\n    def __init__(self):\n        self.items = []\n\n    def push(self, item):\n        ";
const ALTERNATIVES_TYPED = "self.";

/** Alt+\ asks explicitly for several suggestions; Alt+] and Alt+[ cycle through them. */
function alternativesScenario({ page, workspace, screenshot }: Scenario): Check[] {
    // Written before the workbench opens, so the Explorer lists it.
    fs.writeFileSync(path.join(workspace, ALTERNATIVES_FILE), ALTERNATIVES_SOURCE);
    const seen: string[] = [];
    return [
        {
            name: `with the pocket model, typing "${ALTERNATIVES_TYPED}" in a method and pressing Alt+\\ shows a suggestion`,
            run: async () => {
                await openFromExplorer(page, ALTERNATIVES_FILE);
                await waitForStatusBar(page, (text) => text === "Phi-2", /error|no model/);
                await page.locator(".monaco-editor .view-lines").first().click();
                await page.keyboard.press("Control+End");
                await page.keyboard.type(ALTERNATIVES_TYPED, { delay: 40 });
                await page.keyboard.press("Alt+Backslash");
                seen.push(await waitForGhostTextWhere(page, (shown) => shown.length > 0, "any ghost text"));
                await screenshot("alternative-1");
            },
        },
        {
            name: "Alt+] shows a different suggestion, and again another (or the first again)",
            run: async () => {
                await page.keyboard.press("Alt+BracketRight");
                seen.push(await waitForGhostTextWhere(page, (shown) => shown.length > 0 && shown !== seen[0], `ghost text other than ${JSON.stringify(seen[0])}`));
                await screenshot("alternative-2");
                await page.keyboard.press("Alt+BracketRight");
                seen.push(await waitForGhostTextWhere(page, (shown) => shown.length > 0 && shown !== seen[1], `ghost text other than ${JSON.stringify(seen[1])}`));
            },
        },
        {
            name: "Alt+[ goes back to the previous suggestion",
            run: async () => {
                await page.keyboard.press("Alt+BracketLeft");
                await waitForGhostTextWhere(page, (shown) => shown === seen[1], `ghost text ${JSON.stringify(seen[1])} again (seen: ${JSON.stringify(seen)})`);
            },
        },
    ];
}

/** No model configured: the one-time notification, and its Select Model File... button working. */
function noModelScenario({ page, screenshot, workspace }: Scenario, modelPath: string): Check[] {
    const toast = noModelToast(page);
    return [
        {
            name: "without a model, opening a .py file shows the notification and 'Phi-2: no model'",
            run: async () => {
                await openFromExplorer(page, FILE_NAME);
                await toast.first().waitFor({ timeout: WORKBENCH_TIMEOUT_MS });
                await waitForStatusBar(page, (text) => text.includes("no model"));
                await screenshot("no-model");
            },
        },
        {
            name: "its Select Model File... button picks a GGUF and the model loads",
            run: async () => {
                await toast.getByRole("button", { name: "Select Model File..." }).click();
                // code-server's own file dialog: a quick input holding a path.
                const input = page.locator(".quick-input-widget input.input");
                await input.waitFor({ timeout: 15_000 });
                // Type over the prefilled folder once the dialog has listed it (it resets the value until then).
                // It opens where models are (here: home, nothing is downloaded yet), not in the workspace.
                await page.locator(".quick-input-widget .monaco-list-row").first().waitFor({ timeout: 15_000 });
                const folder = await input.inputValue();
                if (folder.startsWith(workspace)) throw new Error(`the model file dialog opened in the workspace (${folder})`);
                await page.keyboard.press("Control+A");
                await page.keyboard.type(modelPath, { delay: 5 });
                await page.locator(".quick-input-widget .monaco-list-row", { hasText: path.basename(modelPath) }).first().waitFor({ timeout: 15_000 });
                await page.keyboard.press("Enter");
                await waitForStatusBar(page, (text) => text === "Phi-2", /error/);
                await screenshot("model-selected");
            },
        },
    ];
}

export interface ScenarioSetup {
    readonly modelPath?: string;
    /** More phi2.* settings. */
    readonly settings?: Record<string, unknown>;
    /** Environment of the editor (the extension host inherits it). */
    readonly env?: Record<string, string>;
    /** Install this VSIX (the user's path) instead of loading the repository as the extension under development. */
    readonly vsix?: string;
}

export async function runScenario(run: CompletionUiRun, name: string, setup: ScenarioSetup, makeChecks: (scenario: Scenario) => Check[]): Promise<void> {
    const runDir = freshRunDirectory(name);
    run.runDirs.push(runDir);
    const workspace = await copySampleWorkspace(path.join(runDir, "workspace"));
    const { modelPath } = setup;
    const phi2 = { "phi2.threads": 1, "phi2.gpu": "off", ...(modelPath ? { "phi2.modelPath": modelPath } : {}), ...setup.settings };
    const server = await CodeServer.start({ stateDir: runDir, settings: editorSettings(phi2), env: setup.env, installVsix: setup.vsix ? [setup.vsix] : undefined });
    const browser = await launchBrowser(runDir);
    const page = browser.page;
    const screenshot = async (shot: string): Promise<void> => {
        const file = path.join(runDir, `${shot}.png`);
        await page.screenshot({ path: file });
        // The latest run's pictures also at a stable path.
        const latest = path.join(ARTIFACTS_DIR, name, `${shot}.png`);
        fs.copyFileSync(file, latest);
        run.screenshots.push(latest);
    };
    const checks: Check[] = [
        {
            name: `${name}: the workbench opens the sample workspace`,
            run: async () => {
                await page.goto(server.workbenchUrl({ folder: workspace, extensionDevelopmentPath: setup.vsix ? undefined : REPO_ROOT }));
                await page.locator(".monaco-workbench").waitFor({ timeout: WORKBENCH_TIMEOUT_MS });
                await explorerRow(page, FILE_NAME).waitFor({ timeout: WORKBENCH_TIMEOUT_MS });
            },
        },
        ...makeChecks({ model: modelPath, workspace, page, serverUrl: server.baseUrl, screenshot }),
    ];
    try {
        let failed = false;
        for (const check of checks) {
            if (failed) {
                run.results.push({ title: check.name, passed: false, error: "not run: an earlier step failed", durationMs: 0 });
                continue;
            }
            const started = Date.now();
            try {
                await check.run();
                run.results.push({ title: check.name, passed: true, durationMs: Date.now() - started });
            } catch (error) {
                failed = true;
                run.results.push({ title: check.name, passed: false, error: error instanceof Error ? error.message : String(error), durationMs: Date.now() - started });
                await screenshot("failure").catch(() => undefined);
            }
        }
    } finally {
        await browser.close();
        await server.stop();
    }
}

export async function openFromExplorer(page: Page, fileName: string): Promise<void> {
    await explorerRow(page, fileName).click();
    await page.locator(".tabs-container .tab.active", { hasText: fileName }).waitFor({ timeout: 15_000 });
    await page.locator(".monaco-editor .view-lines").first().waitFor();
}

async function waitForFile(filePath: string, done: (content: string) => boolean, timeoutMs = 10_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    let text = fs.readFileSync(filePath, "utf8");
    while (!done(text) && Date.now() < deadline) {
        await delay(200);
        text = fs.readFileSync(filePath, "utf8");
    }
    return text;
}

function explorerRow(page: Page, fileName: string) {
    return page.locator(".explorer-folders-view .monaco-list-row", { hasText: fileName }).first();
}

/**
 * The ghost text on screen: VS Code colours it by token, so it is several `.ghost-text-decoration`
 * spans; their text joined is what the user sees.
 */
export async function waitForGhostText(page: Page, expected: string): Promise<string> {
    const deadline = Date.now() + GHOST_TEXT_TIMEOUT_MS;
    let shown = "";
    while (Date.now() < deadline) {
        shown = await ghostTextOnScreen(page);
        if (shown === expected) return shown;
        await delay(100);
    }
    throw new Error(`no ghost text ${JSON.stringify(expected)} within ${GHOST_TEXT_TIMEOUT_MS} ms (on screen: ${JSON.stringify(shown)})`);
}

/** The ghost text on screen, joined from its per-token spans. */
function ghostTextOnScreen(page: Page): Promise<string> {
    return page.evaluate(() =>
        Array.from(document.querySelectorAll(".monaco-editor .ghost-text-decoration"))
            .map((element) => element.textContent ?? "")
            .join("")
            .replace(/\u00a0/g, " ")
            .trim(),
    );
}

/** Waits until the ghost text on screen satisfies `accept`; returns it. */
async function waitForGhostTextWhere(page: Page, accept: (shown: string) => boolean, what: string): Promise<string> {
    const deadline = Date.now() + GHOST_TEXT_TIMEOUT_MS;
    let shown = "";
    while (Date.now() < deadline) {
        shown = await ghostTextOnScreen(page);
        if (accept(shown)) return shown;
        await delay(100);
    }
    throw new Error(`no ${what} within ${GHOST_TEXT_TIMEOUT_MS} ms (on screen: ${JSON.stringify(shown)})`);
}

/** Waits for the Phi-2 status bar item's text (icon excluded) to match; `failOn` ends the wait early. */
export async function waitForStatusBar(page: Page, matches: (text: string) => boolean, failOn?: RegExp): Promise<void> {
    const item = page.locator(".statusbar-item", { hasText: "Phi-2" }).first();
    const deadline = Date.now() + WORKBENCH_TIMEOUT_MS;
    let text = "";
    while (Date.now() < deadline) {
        text = ((await item.textContent({ timeout: WORKBENCH_TIMEOUT_MS }).catch(() => "")) ?? "").trim();
        if (matches(text)) return;
        if (failOn?.test(text)) break;
        await delay(250);
    }
    throw new Error(`the Phi-2 status bar item says ${JSON.stringify(text)}`);
}

/** The one-time notification when no model is configured. */
export function noModelToast(page: Page) {
    return page.locator(".notifications-toasts .notification-toast", { hasText: "needs the Phi-2 model" });
}
