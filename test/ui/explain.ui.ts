// UI tests of "Phi-2: Explain This Code" in headless Chromium on a real VS Code (code-server):
//  1. from the command palette (F1) on geometry.py: the panel beside the editor shows the scripted
//     explanation, rendered as Markdown, with the code it explains; screenshot in artifacts/ui/.
//  2. an explanation full of HTML and script (`<script>`, `<img onerror>`, `javascript:` links)
//     renders as inert, visible text: asserted inside the webview's own document.
// Each scenario gets its own server, because each needs a different scripted model from the start
// (phi2.modelPath is machine-scoped).
//
// Run: `npx tsx test/ui/explain.ui.ts` after `npm run build`; exports runExplainUiTests() for a runner.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import type { Frame, Page } from "playwright-core";
import { ARTIFACTS_DIR, CodeServer, copySampleWorkspace, delay, editorSettings, launchBrowser, REPO_ROOT } from "../support/codeServer";
import { ensureScriptedModel, SCRIPTS } from "../support/tinyModels";

const EXPLAIN_ARTIFACTS = path.join(ARTIFACTS_DIR, "ui-explain");
/** Everything in one scenario takes seconds; this bounds a hang on a loaded 2-core machine. */
const STEP_TIMEOUT_MS = 60_000;

/**
 * Continues the explain prompt (which ends with "```\nOutput:") with hostile Markdown/HTML. Each
 * payload would set its own global if it ever ran. The numbers keep the token pairs unambiguous
 * for the scripted model (it sees two tokens: `= 1`, `= 2`, `= 3` continue differently).
 */
export const HOSTILE_EXPLANATION_SCRIPT =
    "```\nOutput: Beware <script>window.ranScript = 1</script> then " +
    '<img src=x onerror="self.imgFired = 2"> plus ' +
    "[click me](javascript:void(globalThis.linkOpened=3)) also " +
    '<a href="javascript:alert(document.domain)">raw link</a>, see [the docs](https://docs.python.org/3/).\n';

/** The globals the payloads above would set. */
const PAYLOAD_FLAGS = ["ranScript", "imgFired", "linkOpened"] as const;

const PROMPT_END = "```\nOutput:";

export interface UiTestResult {
    readonly title: string;
    readonly passed: boolean;
    readonly error?: string;
    readonly durationMs: number;
}

interface Workbench {
    readonly page: Page;
    close(): Promise<void>;
}

async function openWorkbench(name: string, modelPath: string): Promise<Workbench> {
    const stateDir = path.join(EXPLAIN_ARTIFACTS, name);
    fs.rmSync(stateDir, { recursive: true, force: true });
    fs.mkdirSync(stateDir, { recursive: true });
    const workspace = await copySampleWorkspace(path.join(stateDir, "workspace"));
    const server = await CodeServer.start({
        stateDir,
        settings: editorSettings({
            "phi2.modelPath": modelPath,
            "phi2.threads": 1,
            "phi2.gpu": "off",
            // The workspace copy sits inside this git repository: no "open the parent repository?" toast over the panel.
            "git.openRepositoryInParentFolders": "never",
        }),
        env: { PHI2_TEST: "1" },
    });
    try {
        const browser = await launchBrowser(stateDir);
        const page = browser.page;
        page.setDefaultTimeout(STEP_TIMEOUT_MS);
        await page.goto(server.workbenchUrl({ folder: workspace, extensionDevelopmentPath: REPO_ROOT }));
        await page.locator(".monaco-workbench").waitFor();
        return {
            page,
            close: async () => {
                await browser.close().catch(() => undefined);
                await server.stop();
            },
        };
    } catch (error) {
        await server.stop();
        throw error;
    }
}

/** Opens a file by clicking it in the Explorer (Quick Open is unreliable while indexing). */
async function openFromExplorer(page: Page, fileName: string): Promise<void> {
    const row = page.locator(".explorer-folders-view .monaco-list-row", { hasText: fileName }).first();
    await row.click();
    await page.locator(`.tabs-container .tab[aria-label*="${fileName}"]`).first().waitFor();
    await page.locator(".monaco-editor .view-lines").first().click();
}

/** Ctrl+G to a 1-based line; the cursor lands at its start. */
async function goToLine(page: Page, line: number): Promise<void> {
    await page.keyboard.press("Control+G");
    const input = page.locator(".quick-input-widget input");
    await input.waitFor();
    await input.fill(`:${line}`);
    await page.keyboard.press("Enter");
    await page.locator(".quick-input-widget").waitFor({ state: "hidden" });
}

/** F1, the command's title, Enter: as a user runs it. */
async function runFromPalette(page: Page, title: string): Promise<void> {
    await page.keyboard.press("F1");
    const input = page.locator(".quick-input-widget input");
    await input.waitFor();
    await input.fill(`>${title}`);
    const entry = page.locator(".quick-input-list .monaco-list-row", { hasText: title }).first();
    await entry.waitFor();
    await page.keyboard.press("Enter");
}

/** The webview frame holding our panel document (nested iframes inside the workbench). */
async function explainFrame(page: Page, timeoutMs = STEP_TIMEOUT_MS): Promise<Frame> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
        for (const frame of page.frames()) {
            const found = await frame.evaluate(() => document.getElementById("explanation") !== null && document.getElementById("source-title") !== null).catch(() => false);
            if (found) return frame;
        }
        await delay(200);
    }
    throw new Error(`the explain panel's webview did not appear within ${timeoutMs} ms`);
}

async function waitForPanelStatus(frame: Frame, status: string): Promise<void> {
    await frame.waitForFunction((expected) => document.body.dataset.status === expected, status, { timeout: STEP_TIMEOUT_MS });
}

async function explainFromPaletteTest(): Promise<void> {
    const model = await ensureScriptedModel([SCRIPTS.add, SCRIPTS.explain]);
    const expected = SCRIPTS.explain.slice(SCRIPTS.explain.indexOf(PROMPT_END) + PROMPT_END.length).trim();
    const workbench = await openWorkbench("palette", model);
    try {
        const { page } = workbench;
        await openFromExplorer(page, "geometry.py");
        // Inside circle_area(), no selection: the enclosing function is explained.
        await goToLine(page, 17);
        await runFromPalette(page, "Phi-2: Explain This Code");

        const frame = await explainFrame(page);
        await waitForPanelStatus(frame, "done");
        const view = await frame.evaluate(() => ({
            title: document.getElementById("source-title")?.textContent ?? "",
            detail: document.getElementById("source-detail")?.textContent ?? "",
            status: document.getElementById("status")?.textContent ?? "",
            text: document.getElementById("explanation")?.innerText ?? "",
            listItems: document.querySelectorAll("#explanation ol > li").length,
            inlineCode: [...document.querySelectorAll("#explanation code")].map((element) => element.textContent),
            stopHidden: document.getElementById("stop")?.hidden ?? false,
            copyDisabled: (document.getElementById("copy") as HTMLButtonElement | null)?.disabled ?? true,
        }));
        assert.equal(view.title, "Function circle_area()");
        assert.equal(view.detail, "geometry.py, lines 15-19");
        assert.equal(view.status, "Done");
        assert.ok(view.text.startsWith(expected.split("\n")[0].replace(/`/g, "")), `panel text: ${JSON.stringify(view.text)}`);
        assert.equal(view.listItems, 3, "the numbered steps are a list");
        assert.deepEqual(view.inlineCode, ["add"]);
        assert.equal(view.stopHidden, true);
        assert.equal(view.copyDisabled, false);

        // The panel opened beside the editor, which kept the focus.
        assert.equal(await page.locator(".editor-group-container").count(), 2, "editor and panel side by side");
        assert.ok(await page.locator(".tabs-container .tab.active", { hasText: "geometry.py" }).count() > 0);

        // Copy confirms in the panel.
        await frame.click("#copy");
        await frame.waitForFunction(() => document.getElementById("status")?.classList.contains("flash") === true);

        fs.mkdirSync(EXPLAIN_ARTIFACTS, { recursive: true });
        await page.screenshot({ path: path.join(EXPLAIN_ARTIFACTS, "explain-panel.png") });
    } finally {
        await workbench.close();
    }
}

async function hostileExplanationTest(): Promise<void> {
    const model = await ensureScriptedModel(HOSTILE_EXPLANATION_SCRIPT);
    const workbench = await openWorkbench("hostile", model);
    try {
        const { page } = workbench;
        await openFromExplorer(page, "geometry.py");
        await goToLine(page, 17);
        await runFromPalette(page, "Phi-2: Explain This Code");

        const frame = await explainFrame(page);
        await waitForPanelStatus(frame, "done");
        // Give an injected handler (an image error fires asynchronously) time to run, were there one.
        await delay(500);
        const inPanel = await frame.evaluate(() => {
            const explanation = document.getElementById("explanation");
            const flags = window as unknown as Record<string, unknown>;
            return {
                text: explanation?.innerText ?? "",
                scriptsInExplanation: explanation?.querySelectorAll("script").length ?? -1,
                imagesInDocument: document.images.length,
                anchorsInExplanation: explanation?.querySelectorAll("a").length ?? -1,
                linkSpans: [...(explanation?.querySelectorAll("span.link") ?? [])].map((element) => ({ text: element.textContent, title: (element as HTMLElement).title })),
                flags: ["ranScript", "imgFired", "linkOpened"].map((name) => flags[name]),
            };
        });
        assert.equal(inPanel.scriptsInExplanation, 0, "no script element was created");
        assert.equal(inPanel.imagesInDocument, 0, "no image element was created");
        assert.equal(inPanel.anchorsInExplanation, 0, "no link element was created");
        assert.deepEqual(inPanel.flags, [undefined, undefined, undefined], "nothing ran");
        for (const visible of [
            "<script>window.ranScript = 1</script>",
            '<img src=x onerror="self.imgFired = 2">',
            "[click me](javascript:void(globalThis.linkOpened=3))",
            '<a href="javascript:alert(document.domain)">raw link</a>',
        ]) {
            assert.ok(inPanel.text.includes(visible), `shown as text: ${visible}\npanel: ${inPanel.text}`);
        }
        assert.deepEqual(inPanel.linkSpans, [{ text: "the docs", title: "https://docs.python.org/3/" }], "an http(s) link is inert text with the target as a tooltip");

        // Nor in any frame of the workbench (the payloads name globals no code defines).
        for (const candidate of page.frames()) {
            const flags = await candidate.evaluate((names) => {
                const scope = window as unknown as Record<string, unknown>;
                return names.map((name) => scope[name]);
            }, [...PAYLOAD_FLAGS]).catch(() => [undefined, undefined, undefined]);
            assert.deepEqual(flags, [undefined, undefined, undefined], `frame ${candidate.url()}`);
        }
        await page.screenshot({ path: path.join(EXPLAIN_ARTIFACTS, "explain-hostile.png") });
    } finally {
        await workbench.close();
    }
}

const TESTS: readonly { readonly title: string; readonly run: () => Promise<void> }[] = [
    { title: "explain from the command palette shows the streamed explanation beside the editor", run: explainFromPaletteTest },
    { title: "an explanation with <script>, <img onerror> and javascript: links renders as inert text", run: hostileExplanationTest },
];

export async function runExplainUiTests(): Promise<UiTestResult[]> {
    const results: UiTestResult[] = [];
    for (const test of TESTS) {
        const started = Date.now();
        try {
            await test.run();
            results.push({ title: test.title, passed: true, durationMs: Date.now() - started });
        } catch (error) {
            results.push({ title: test.title, passed: false, error: error instanceof Error ? error.stack ?? error.message : String(error), durationMs: Date.now() - started });
        }
    }
    return results;
}

if (require.main === module) {
    runExplainUiTests().then(
        (results) => {
            for (const result of results) {
                console.log(`  ${result.passed ? "ok  " : "FAIL"} ${result.title} (${result.durationMs} ms)`);
                if (result.error) console.log(result.error.replace(/^/gm, "         "));
            }
            const failed = results.filter((result) => !result.passed).length;
            console.log(`explain UI tests: ${results.length - failed} passed, ${failed} failed (screenshots in ${EXPLAIN_ARTIFACTS})`);
            process.exit(failed > 0 ? 1 : 0);
        },
        (error: unknown) => {
            console.error(error);
            process.exit(1);
        },
    );
}
