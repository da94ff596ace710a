// Odd documents in the real editor: untitled documents with CRLF line endings and emoji, a
// read-only editor, a notebook cell (scheme vscode-notebook-cell) and the cursor at the edges of a
// file and inside a surrogate pair. No request throws (every one ends in a record of the
// provider's), and a suggestion is shown only where it is safe.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import * as vscode from "vscode";
import { PYTHON_SELECTOR, type CompletionRecord } from "../../src/vscode/InlineCompletionProvider";
import type { Phi2TestApi } from "../../src/vscode/testApi";
import { activatePhi2, closeAllEditors, openUntitledPython, setPhi2Setting, showAtEnd, sleep, triggerSuggestion, waitForStatus } from "./editorHelpers";
import { suiteEnvironment } from "./suiteEnvironment";

/** Long enough for the editor to have asked and rendered, if it was going to. */
const SETTLE_MS = 1500;

describe("odd documents in a real VS Code", () => {
    const suite = suiteEnvironment();
    let api: Phi2TestApi;

    before(async () => {
        api = await activatePhi2();
        await setPhi2Setting("modelPath", suite.completionModel);
        await waitForStatus(api, (status) => status.kind === "ready" && status.info.modelPath === suite.completionModel);
    });

    afterEach(closeAllEditors);

    /**
     * Asks the provider directly (as the editor would) and returns its record: a request that threw
     * would end in the provider's catch, which logs and emits no record.
     */
    async function askProvider(document: vscode.TextDocument, position: vscode.Position): Promise<{ record: CompletionRecord | undefined; items: vscode.InlineCompletionItem[] | undefined }> {
        let record: CompletionRecord | undefined;
        const subscription = api.provider.onDidComplete((value) => {
            if (value.uri === document.uri.toString()) record = value;
        });
        try {
            const items = await api.provider.provideInlineCompletionItems(
                document, position, { triggerKind: vscode.InlineCompletionTriggerKind.Invoke, selectedCompletionInfo: undefined }, new vscode.CancellationTokenSource().token,
            );
            return { record, items: items ?? undefined };
        } finally {
            subscription.dispose();
        }
    }

    it("completes in an untitled document with CRLF line endings and inserts CRLF", async () => {
        const editor = await openUntitledPython("x = 1\r\ndef add(a, b):\r\n    ");
        assert.equal(editor.document.eol, vscode.EndOfLine.CRLF);
        assert.equal((await triggerSuggestion(api, editor)).shown, "return a + b");
    });

    it("completes after emoji and non-ASCII identifiers in an untitled document", async () => {
        const editor = await openUntitledPython('GREETING = "hi \u{1F44B}"\ngröße = 1\ndef add(a, b):\n    ');
        assert.equal((await triggerSuggestion(api, editor)).shown, "return a + b");
    });

    it("answers at the start of a file, at its end and inside a surrogate pair without throwing, and suggests nothing inside the pair", async () => {
        const document = await vscode.workspace.openTextDocument({ language: "python", content: 'FACE = "\u{1F600}"\ndef add(a, b):\n    ' });
        await showAtEnd(document);
        const start = await askProvider(document, new vscode.Position(0, 0));
        assert.equal(start.record?.outcome?.reason, "emptyPrompt");
        const inside = await askProvider(document, new vscode.Position(0, 'FACE = "'.length + 1));
        assert.ok(inside.record, "the request inside the surrogate pair threw");
        assert.equal(inside.record.outcome?.reason, "insideCharacter");
        assert.equal(inside.items, undefined);
        const end = await askProvider(document, document.lineAt(document.lineCount - 1).range.end);
        assert.equal(end.record?.shown, "return a + b");
    });

    it("changes nothing in a read-only editor", async () => {
        const file = path.join(suite.workspace, "read_only_add.py");
        fs.writeFileSync(file, "def add(a, b):\n    ");
        const document = await vscode.workspace.openTextDocument(file);
        const editor = await showAtEnd(document);
        await vscode.commands.executeCommand("workbench.action.files.setActiveEditorReadonlyInSession");
        const records: CompletionRecord[] = [];
        const subscription = api.provider.onDidComplete((record) => {
            if (record.uri === document.uri.toString()) records.push(record);
        });
        try {
            await vscode.commands.executeCommand("editor.action.inlineSuggest.trigger");
            await sleep(SETTLE_MS);
            await vscode.commands.executeCommand("editor.action.inlineSuggest.commit");
            await sleep(200);
        } finally {
            subscription.dispose();
        }
        assert.equal(editor.document.getText(), "def add(a, b):\n    ", "a read-only document was edited");
        assert.equal(editor.document.isDirty, false);
        // If the editor asked at all, the request ended normally (a record), not in an exception.
        for (const record of records) assert.ok(record.outcome !== undefined || record.skipped !== undefined);
    });

    it("a notebook cell (vscode-notebook-cell) is not offered suggestions by the editor, and a direct request there is safe", async () => {
        const data = new vscode.NotebookData([
            new vscode.NotebookCellData(vscode.NotebookCellKind.Code, "import math", "python"),
            new vscode.NotebookCellData(vscode.NotebookCellKind.Code, "%matplotlib inline\ndef add(a, b):\n    ", "python"),
        ]);
        const notebook = await vscode.workspace.openNotebookDocument("jupyter-notebook", data);
        await vscode.window.showNotebookDocument(notebook);
        const cell = notebook.cellAt(1).document;
        assert.equal(cell.uri.scheme, "vscode-notebook-cell");
        assert.equal(cell.languageId, "python");
        // The provider is registered for file and untitled Python documents only.
        assert.equal(vscode.languages.match(PYTHON_SELECTOR, cell), 0);
        const answer = await askProvider(cell, cell.lineAt(cell.lineCount - 1).range.end);
        assert.ok(answer.record, "the request in the notebook cell threw");
        assert.ok(answer.record.shown === undefined || answer.record.shown === "return a + b", `shown ${JSON.stringify(answer.record.shown)}`);
        await vscode.commands.executeCommand("workbench.action.revertAndCloseActiveEditor");
    });
});
