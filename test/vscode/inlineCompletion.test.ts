// Inline completion end to end inside a real VS Code: the extension activates on Python, loads the
// scripted tiny Phi-2 through the model host, and the editor shows and accepts its exact text.
import * as assert from "node:assert/strict";
import * as path from "node:path";
import * as vscode from "vscode";
import type { Phi2TestApi } from "../../src/vscode/testApi";
import { acceptSuggestion, activatePhi2WithModel, closeAllEditors, nextRecord, openUntitledPython, showAtEnd, sleep, triggerSuggestion } from "./editorHelpers";
import { suiteEnvironment } from "./suiteEnvironment";

describe("inline completion in a real VS Code", () => {
    const suite = suiteEnvironment();
    let api: Phi2TestApi;

    before(async () => {
        api = await activatePhi2WithModel();
    });

    afterEach(closeAllEditors);

    it("loads the configured tiny Phi-2 and shows ready in the status bar", () => {
        const status = api.models.status;
        assert.equal(status.kind, "ready");
        assert.equal(status.kind === "ready" && status.info.architecture, "phi2");
        assert.equal(status.kind === "ready" && status.info.modelPath, suite.completionModel);
        assert.match(api.statusBar.text, /Phi-2$/);
        assert.doesNotMatch(api.statusBar.text, /no model|loading|error/);
    });

    it("shows the scripted continuation in an untitled Python document and Tab-accept inserts it", async () => {
        // SCRIPTS.add is "def add(a, b):\n    return a + b\n": after the indented line start the
        // model replays the rest; the trailing newline is trimmed for the ghost text.
        assert.ok(suite.scripts.add.startsWith("def add(a, b):\n    return a + b"));
        const editor = await openUntitledPython("def add(a, b):\n    ");
        const record = await triggerSuggestion(api, editor);
        assert.equal(record.shown, "return a + b");
        assert.equal(record.outcome?.stats.trigger, "explicit");
        assert.equal(record.outcome?.stats.source, "model");
        const counters = record.outcome?.stats.counters;
        assert.ok(counters && counters.promptTokens > 0 && counters.generatedTokens > 0, `counters: ${JSON.stringify(counters)}`);
        assert.equal(await acceptSuggestion(editor), "def add(a, b):\n    return a + b");
    });

    it("completes while typing in a workspace file (automatic trigger, Python auto-indent)", async () => {
        const document = await vscode.workspace.openTextDocument(path.join(suite.workspace, "playground.py"));
        const editor = await showAtEnd(document);
        // A user cannot type within a moment of opening a file; the editor's inline-suggestion
        // controller attaches to a newly shown editor asynchronously and misses earlier typing.
        await sleep(1000);
        await vscode.commands.executeCommand("type", { text: "def add(a, b):" });
        const answered = nextRecord(api, document, (record) => record.shown !== undefined);
        // Enter: Python's on-enter rules indent the new line, the cursor ends after "    ".
        await vscode.commands.executeCommand("type", { text: "\n" });
        const typed = document.getText();
        const active = vscode.window.activeTextEditor?.document.uri.toString();
        const record = await answered.catch((error: Error) => {
            throw new Error(`${error.message}; document ends ${JSON.stringify(typed.slice(-30))}, active editor ${active}, focused ${vscode.window.state.focused}`);
        });
        assert.equal(record.shown, "return a + b");
        assert.equal(record.outcome?.stats.trigger, "automatic");
        const text = await acceptSuggestion(editor);
        assert.ok(text.endsWith("def add(a, b):\n    return a + b"), `document ends: ${JSON.stringify(text.slice(-60))}`);
    });

    it("offers nothing for documents that are not Python", async () => {
        const editor = await openUntitledPython("def add(a, b):\n    ", "plaintext");
        const uri = editor.document.uri.toString();
        const seen: string[] = [];
        const subscription = api.provider.onDidComplete((record) => seen.push(record.uri));
        try {
            await vscode.commands.executeCommand("editor.action.inlineSuggest.trigger");
            await new Promise((resolve) => setTimeout(resolve, 1500));
        } finally {
            subscription.dispose();
        }
        assert.ok(!seen.includes(uri), "the provider was asked about a plaintext document");
    });
});
