// Helpers for driving the real editor from the extension-host suite: activate the extension, open
// Python documents, trigger inline completion, wait for the provider's answer, accept ghost text.
import * as assert from "node:assert/strict";
import * as vscode from "vscode";
import type { CompletionRecord } from "../../src/vscode/InlineCompletionProvider";
import type { ModelStatus } from "../../src/vscode/ModelManager";
import type { Phi2TestApi } from "../../src/vscode/testApi";

export const EXTENSION_ID = "phi2-complete.phi2-complete";

export async function activatePhi2(): Promise<Phi2TestApi> {
    const extension = vscode.extensions.getExtension<Phi2TestApi | undefined>(EXTENSION_ID);
    assert.ok(extension, `${EXTENSION_ID} is not loaded in this VS Code`);
    const api = await extension.activate();
    assert.ok(api, "activate() returned no test API: PHI2_TEST=1 must reach the extension host");
    return api;
}

/**
 * Opens an empty Python document (what activates the extension: activationEvents onLanguage:python),
 * activates it and waits for the configured model.
 */
export async function activatePhi2WithModel(): Promise<Phi2TestApi> {
    await openUntitledPython("");
    const api = await activatePhi2();
    await api.whenReady();
    return api;
}

/** Opens an untitled Python document with `content`, cursor at its end. */
export async function openUntitledPython(content: string, language = "python"): Promise<vscode.TextEditor> {
    const document = await vscode.workspace.openTextDocument({ language, content });
    return showAtEnd(document);
}

export async function showAtEnd(document: vscode.TextDocument): Promise<vscode.TextEditor> {
    const editor = await vscode.window.showTextDocument(document);
    // Commands act on the active editor: wait until the workbench reports this one as active, so a
    // command run next cannot see the previous test's document.
    for (let waited = 0; vscode.window.activeTextEditor?.document !== document && waited < 5_000; waited += 50) {
        await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const end = document.lineAt(document.lineCount - 1).range.end;
    editor.selection = new vscode.Selection(end, end);
    return editor;
}

/** Closes every editor without saving (untitled documents would otherwise ask). */
export async function closeAllEditors(): Promise<void> {
    for (let guard = 0; guard < 20 && vscode.window.visibleTextEditors.length > 0; guard++) {
        await vscode.commands.executeCommand("workbench.action.revertAndCloseActiveEditor");
    }
    // An untitled document whose editor was not the active one (a webview beside it had the focus)
    // stays open and dirty, and the next untitled document can come back as it, old text and all:
    // show each one and revert it.
    for (let guard = 0; guard < 20; guard++) {
        const dirty = vscode.workspace.textDocuments.find((document) => document.isUntitled && document.isDirty);
        if (!dirty) break;
        await vscode.window.showTextDocument(dirty);
        await vscode.commands.executeCommand("workbench.action.revertAndCloseActiveEditor");
    }
    await vscode.commands.executeCommand("workbench.action.closeAllEditors");
}

/** The next `event` value that matches, or a timeout error saying what was seen instead. */
export function nextMatchingEvent<T>(
    event: vscode.Event<T>,
    matches: (value: T) => boolean,
    timeoutMs: number,
    describeTimeout: (seen: readonly T[]) => string,
): Promise<T> {
    const seen: T[] = [];
    return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
            subscription.dispose();
            reject(new Error(describeTimeout(seen)));
        }, timeoutMs);
        const subscription = event((value) => {
            seen.push(value);
            if (!matches(value)) return;
            clearTimeout(timer);
            subscription.dispose();
            resolve(value);
        });
    });
}

/** The next provider answer for `document` that matches, or a timeout error. */
export function nextRecord(
    api: Phi2TestApi,
    document: vscode.TextDocument,
    matches: (record: CompletionRecord) => boolean,
    timeoutMs = 20_000,
): Promise<CompletionRecord> {
    const uri = document.uri.toString();
    return nextMatchingEvent(api.provider.onDidComplete, (record) => record.uri === uri && matches(record), timeoutMs, (seen) => {
        const summary = seen
            .filter((record) => record.uri === uri)
            .map((record) => `shown=${JSON.stringify(record.shown)} skipped=${record.skipped} reason=${record.outcome?.reason}`)
            .join("; ");
        return `no matching completion for ${uri} within ${timeoutMs} ms; answers seen: ${summary || "none"}`;
    });
}

/** Asks for inline completion the way Alt+\ does, and returns the first answer that showed text. */
export async function triggerSuggestion(api: Phi2TestApi, editor: vscode.TextEditor): Promise<CompletionRecord> {
    const answered = nextRecord(api, editor.document, (record) => record.shown !== undefined || record.outcome?.reason !== "cancelled");
    await vscode.commands.executeCommand("editor.action.inlineSuggest.trigger");
    return answered;
}

/**
 * Accepts the ghost text (what Tab does) and returns the document text after it. The editor renders
 * the suggestion shortly after the provider answers, so the commit is retried until it lands.
 */
export async function acceptSuggestion(editor: vscode.TextEditor, timeoutMs = 5_000): Promise<string> {
    const before = editor.document.getText();
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
        await vscode.commands.executeCommand("editor.action.inlineSuggest.commit");
        if (editor.document.getText() !== before) return editor.document.getText();
        await sleep(100);
    }
    throw new Error(`the ghost text was not accepted within ${timeoutMs} ms (document: ${JSON.stringify(before)})`);
}

export async function waitForStatus(api: Phi2TestApi, matches: (status: ModelStatus) => boolean, timeoutMs = 60_000): Promise<ModelStatus> {
    if (matches(api.models.status)) return api.models.status;
    return nextMatchingEvent(api.models.onDidChangeStatus, matches, timeoutMs, () =>
        `model status did not match within ${timeoutMs} ms (now ${JSON.stringify(api.models.status)})`);
}

/** Repeats `step` until `done()` holds (UI reacts asynchronously, e.g. a quick pick opening). */
export async function waitUntil(done: () => boolean, step: () => Promise<void>, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!done()) {
        if (Date.now() > deadline) throw new Error(`condition not reached within ${timeoutMs} ms`);
        await step();
        await sleep(200);
    }
}

export async function setPhi2Setting(key: string, value: unknown): Promise<void> {
    await vscode.workspace.getConfiguration("phi2").update(key, value, vscode.ConfigurationTarget.Global);
}

export function sleep(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, ms));
}
