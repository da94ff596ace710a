// UI test of ghost text next to the editor's own features, with VS Code's default word-based
// IntelliSense on: Accept Next Word (Ctrl+Right) and Accept Next Line (Ctrl+Alt+Right, bound by
// the extension) take part of a suggestion; typing through a suggestion while the suggest widget
// is open keeps the ghost text (continuing the selected item); Esc closes the widget, then
// dismisses the ghost text, and nothing brings it back.
import * as path from "node:path";
import type { Page } from "playwright-core";
import { delay } from "../support/codeServer";
import { ghostTextOnScreen, openFromExplorer, waitForFile, waitForGhostText, waitForStatusBar, type Check, type Scenario } from "./completion.ui";

const FILE_NAME = "playground.py";
const TYPED_LINE = "def add(a, b):";
/** The editor's defaults, which the other scenarios turn off. */
export const INTELLISENSE_SETTINGS = {
    "editor.quickSuggestions": { other: "on", comments: "off", strings: "off" },
    "editor.wordBasedSuggestions": "matchingDocuments",
    "editor.suggestOnTriggerCharacters": true,
};
/** How long a dismissed ghost text must stay away. */
const STAYS_DISMISSED_MS = 2_000;
/** Longest the ghost text may stay on screen after the Esc that dismisses it (the repaint). */
const DISMISS_RENDER_MS = 500;

function suggestWidget(page: Page) {
    return page.locator(".editor-widget.suggest-widget.visible");
}

export function ghostTextScenario({ page, workspace, screenshot }: Scenario): Check[] {
    const filePath = path.join(workspace, FILE_NAME);
    return [
        {
            name: `${FILE_NAME} opens and the model is ready (word-based IntelliSense on)`,
            run: async () => {
                await openFromExplorer(page, FILE_NAME);
                await waitForStatusBar(page, (text) => text === "Phi-2", /error|no model/);
            },
        },
        {
            name: "Ctrl+Right accepts the next word; the rest stays as ghost text",
            run: async () => {
                await page.locator(".monaco-editor .view-lines").first().click();
                await page.keyboard.press("Control+End");
                await page.keyboard.type(TYPED_LINE, { delay: 40 });
                await page.keyboard.press("Enter");
                await waitForGhostText(page, "return a + b");
                await page.keyboard.press("Control+ArrowRight");
                await waitForGhostText(page, "a + b");
                await screenshot("accept-word");
            },
        },
        {
            name: "Ctrl+Alt+Right accepts the rest of the line: the saved file has the whole line",
            run: async () => {
                await page.keyboard.press("Control+Alt+ArrowRight");
                await page.keyboard.press("Control+S");
                const expectedEnd = `${TYPED_LINE}\n    return a + b`;
                const text = await waitForFile(filePath, (content) => content.trimEnd().endsWith(expectedEnd));
                if (!text.trimEnd().endsWith(expectedEnd)) throw new Error(`saved file ends with ${JSON.stringify(text.slice(-80))}`);
            },
        },
        {
            name: "typing through the suggestion with the suggest widget open keeps the ghost text, continuing the selected item",
            run: async () => {
                // A second function: `return` is now a word of the document, so IntelliSense offers it.
                await page.keyboard.press("End");
                await page.keyboard.press("Enter");
                await page.keyboard.press("Enter");
                await page.keyboard.press("Shift+Tab");
                await page.keyboard.type(TYPED_LINE, { delay: 40 });
                await page.keyboard.press("Enter");
                await waitForGhostText(page, "return a + b");
                await page.keyboard.type("ret", { delay: 150 });
                await suggestWidget(page).waitFor({ timeout: 10_000 });
                await waitForGhostText(page, "urn a + b").catch(async (error: Error) => {
                    // Which elements hold the rest, if the ghost text's classes changed.
                    const holders = await page.evaluate(() =>
                        Array.from(document.querySelectorAll(".monaco-editor .view-lines span, .monaco-editor .view-overlays div"))
                            .filter((element) => element.children.length === 0 && (element.textContent ?? "").includes("a + b"))
                            .map((element) => `${element.className}: ${JSON.stringify(element.textContent)}`),
                    );
                    throw new Error(`${error.message}; elements with "a + b": ${holders.join("; ")}`);
                });
                await screenshot("intellisense-ghost-text");
                if (!(await suggestWidget(page).isVisible())) throw new Error("the suggest widget closed while the ghost text showed");
            },
        },
        {
            name: "Esc closes the suggest widget, the next Esc dismisses the ghost text, and it stays dismissed",
            run: async () => {
                await page.keyboard.press("Escape");
                await suggestWidget(page).waitFor({ state: "hidden", timeout: 5_000 });
                await page.keyboard.press("Escape");
                // The editor repaints after the key: the ghost text must be gone within a moment...
                const goneBy = Date.now() + DISMISS_RENDER_MS;
                while ((await ghostTextOnScreen(page)) !== "" && Date.now() < goneBy) await delay(20);
                // ...and stay gone (no re-ask may bring it back).
                const deadline = Date.now() + STAYS_DISMISSED_MS;
                while (Date.now() < deadline) {
                    const shown = await ghostTextOnScreen(page);
                    if (shown !== "") throw new Error(`ghost text ${JSON.stringify(shown)} after Esc`);
                    await delay(100);
                }
                await screenshot("dismissed");
            },
        },
    ];
}
