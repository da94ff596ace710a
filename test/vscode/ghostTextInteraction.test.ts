// Ghost text next to the editor's own features, in a real VS Code: with the suggest widget's
// selected item (the provider continues the item, replacing its range, as the editor requires),
// and VS Code's Accept Next Word / Accept Next Line (the rest stays, answered without the model).
import * as assert from "node:assert/strict";
import * as vscode from "vscode";
import type { Phi2TestApi } from "../../src/vscode/testApi";
import { activatePhi2WithModel, closeAllEditors, nextRecord, openUntitledPython, sleep, triggerSuggestion } from "./editorHelpers";

/** A provider call as the editor makes it while the suggest widget shows `text` for `range`. */
async function provideWithSelectedItem(api: Phi2TestApi, editor: vscode.TextEditor, range: vscode.Range, text: string): Promise<vscode.InlineCompletionItem[]> {
    const source = new vscode.CancellationTokenSource();
    try {
        const items = await api.provider.provideInlineCompletionItems(
            editor.document,
            editor.selection.active,
            { triggerKind: vscode.InlineCompletionTriggerKind.Automatic, selectedCompletionInfo: { range, text } },
            source.token,
        );
        return items ?? [];
    } finally {
        source.dispose();
    }
}

describe("ghost text with IntelliSense and partial accepts", () => {
    let api: Phi2TestApi;

    before(async () => {
        api = await activatePhi2WithModel();
    });

    afterEach(closeAllEditors);

    it("while the suggest widget shows an item, the suggestion starts with the item's text and replaces its range", async () => {
        const editor = await openUntitledPython("def add(a, b):\n    re");
        editor.selection = new vscode.Selection(1, 6, 1, 6);
        const range = new vscode.Range(1, 4, 1, 6);
        const [item, ...others] = await provideWithSelectedItem(api, editor, range, "return");
        assert.ok(item, "a suggestion while the widget is open (not nothing)");
        assert.equal(others.length, 0);
        assert.equal(item.insertText, "return a + b", "the item's text, then the model's continuation of it");
        assert.ok(item.range?.isEqual(range), `the item's range: ${JSON.stringify(item.range)}`);
        assert.equal(editor.document.lineAt(1).text, "    re", "the document is not touched");
    });

    it("offers nothing when the model has nothing to add after the item", async () => {
        const editor = await openUntitledPython("def add(a, b):\n    return a + b\n    re");
        editor.selection = new vscode.Selection(2, 6, 2, 6);
        const items = await provideWithSelectedItem(api, editor, new vscode.Range(2, 4, 2, 6), "return a + b");
        for (const item of items) assert.ok(String(item.insertText).startsWith("return a + b"), `consistent with the item: ${JSON.stringify(item.insertText)}`);
    });

    it("Accept Next Word inserts one word, the rest stays as ghost text and comes without asking the model", async () => {
        const editor = await openUntitledPython("def add(a, b):\n    ");
        await sleep(500);
        const first = await triggerSuggestion(api, editor);
        assert.equal(first.shown, "return a + b");
        const modelCallsBefore = api.engine.totals.modelCalls;
        const rest = nextRecord(api, editor.document, (record) => record.shown !== undefined && record.character > 4);
        await vscode.commands.executeCommand("editor.action.inlineSuggest.acceptNextWord");
        assert.match(editor.document.lineAt(1).text, /^ {4}return ?$/, `one word accepted: ${JSON.stringify(editor.document.lineAt(1).text)}`);
        const answered = await rest;
        assert.equal(`${editor.document.lineAt(1).text}${answered.shown}`, "    return a + b", "the rest is offered at the new position");
        assert.notEqual(answered.outcome?.stats.source, "model", `answered from what was generated: ${answered.outcome?.stats.source}`);
        assert.equal(api.engine.totals.modelCalls, modelCallsBefore, "no new model request for the rest");
    });
});
