// Project context in a real VS Code: a workspace file that imports from another one gets that
// file's definitions at the start of its prompt (the scripted model still completes it), and the
// context follows an edit of the imports.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import * as vscode from "vscode";
import type { Phi2TestApi } from "../../src/vscode/testApi";
import { activatePhi2WithModel, closeAllEditors, setPhi2Setting, showAtEnd, sleep, triggerSuggestion } from "./editorHelpers";
import { suiteEnvironment } from "./suiteEnvironment";

describe("project context in a real VS Code", () => {
    const suite = suiteEnvironment();
    let api: Phi2TestApi;
    let file: string;

    before(async () => {
        api = await activatePhi2WithModel();
        await setPhi2Setting("context", "definitions");
        file = path.join(suite.workspace, "shapes_report.py");
        // geometry.py (in the sample workspace) defines Point and circle_area.
        fs.writeFileSync(file, "from geometry import Point, circle_area\n\ndef add(a, b):\n    ");
    });

    after(async () => {
        await setPhi2Setting("context", undefined);
        await closeAllEditors();
        fs.rmSync(file, { force: true });
    });

    it("puts the imported definitions of geometry.py before the file and still completes", async () => {
        const document = await vscode.workspace.openTextDocument(file);
        const editor = await showAtEnd(document);
        await sleep(500);
        const record = await triggerSuggestion(api, editor);
        assert.equal(record.shown, "return a + b");
        assert.ok((record.outcome?.stats.prompt.contextTokens ?? 0) > 10, JSON.stringify(record.outcome?.stats.prompt));
        const rendered = api.projectContext.lastRendered(document.uri.toString());
        assert.ok(rendered, "a rendered context for the document");
        assert.ok(rendered.text.startsWith("# file: geometry.py\n@dataclass(frozen=True)\nclass Point:\n    x: float\n    y: float\n"), rendered.text);
        assert.ok(rendered.text.includes("def circle_area(radius: float) -> float:\n    \"\"\"Area of a circle with the given radius.\"\"\""), rendered.text);
        assert.ok(rendered.text.endsWith("# file: shapes_report.py\n"), rendered.text);
        assert.deepEqual(rendered.files, ["geometry.py"]);
        // The prompt sent holds the context: more prompt tokens than the file alone has.
        const counters = record.outcome?.stats.counters;
        assert.ok(counters && counters.promptTokens > 30, JSON.stringify(counters));
    });

    it("asks a language server's definition provider for names the path rules cannot resolve, without waiting on a slow one", async () => {
        // Stands in for a Python language server: Widget lives in a src/ folder the path rules do
        // not search; Slow never gets an answer.
        const implementation = path.join(suite.workspace, "vendor_src", "widgets_impl.py");
        fs.mkdirSync(path.dirname(implementation), { recursive: true });
        fs.writeFileSync(implementation, "class Widget:\n    def draw(self, canvas): ...\n\nclass Unused:\n    pass\n");
        const user = path.join(suite.workspace, "uses_widget.py");
        fs.writeFileSync(user, "from widgets import Widget, Slow\n\ndef add(a, b):\n    ");
        const asked: string[] = [];
        const provider = vscode.languages.registerDefinitionProvider({ language: "python" }, {
            provideDefinition(document, position) {
                const word = document.getText(document.getWordRangeAtPosition(position));
                asked.push(`${word}@${position.line}:${position.character}`);
                if (word === "Widget") return new vscode.Location(vscode.Uri.file(implementation), new vscode.Position(0, 6));
                return new Promise<undefined>(() => undefined);
            },
        });
        try {
            const document = await vscode.workspace.openTextDocument(user);
            const editor = await showAtEnd(document);
            const uri = document.uri.toString();
            await triggerSuggestion(api, editor);
            for (let waited = 0; !api.projectContext.lastRendered(uri)?.files.length && waited < 10_000; waited += 100) await sleep(100);
            const rendered = api.projectContext.lastRendered(uri);
            assert.ok(rendered, "a rendered context");
            assert.ok(rendered.text.startsWith("# file: vendor_src/widgets_impl.py\nclass Widget:\n    def draw(self, canvas): ..."), rendered.text);
            assert.ok(!rendered.text.includes("Unused"), rendered.text);
            assert.deepEqual(asked.slice(0, 2), ["Widget@0:20", "Slow@0:28"]);
            // The first answer's ghost text is still on screen: hide it, so the trigger asks again.
            await vscode.commands.executeCommand("editor.action.inlineSuggest.hide");
            const record = await triggerSuggestion(api, editor);
            assert.equal(record.shown, "return a + b");
            assert.ok((record.outcome?.stats.prompt.contextTokens ?? 0) > 5, JSON.stringify(record.outcome?.stats.prompt));
        } finally {
            provider.dispose();
            fs.rmSync(user, { force: true });
            fs.rmSync(path.dirname(implementation), { recursive: true, force: true });
        }
    });

    it("finds the imports again only after an edit that may have changed them", async () => {
        const own = path.join(suite.workspace, "typing_report.py");
        fs.writeFileSync(own, "from geometry import Point\n\ndef add(a, b):\n    ");
        try {
            const document = await vscode.workspace.openTextDocument(own);
            const editor = await showAtEnd(document);
            await triggerSuggestion(api, editor);
            const scansBefore = api.projectContext.importScans;
            // Typing below the imports: requests go on, the imports are not scanned again.
            for (const character of "x = 1") {
                await editor.edit((edit) => edit.insert(document.lineAt(document.lineCount - 1).range.end, character));
                await vscode.commands.executeCommand("editor.action.inlineSuggest.hide");
                await triggerSuggestion(api, editor);
            }
            assert.equal(api.projectContext.importScans, scansBefore, "no rescan while typing below the imports");
            // A new import line: scanned again, and the new module's definitions join the context.
            await editor.edit((edit) => edit.insert(new vscode.Position(1, 0), "from inventory import *\nimport inventory\n"));
            await vscode.commands.executeCommand("editor.action.inlineSuggest.hide");
            await triggerSuggestion(api, editor);
            assert.equal(api.projectContext.importScans, scansBefore + 1);
            const uri = document.uri.toString();
            for (let waited = 0; !api.projectContext.lastRendered(uri)?.files.includes("inventory.py") && waited < 10_000; waited += 100) await sleep(100);
            assert.deepEqual(api.projectContext.lastRendered(uri)?.files, ["geometry.py", "inventory.py"]);
        } finally {
            fs.rmSync(own, { force: true });
        }
    });

    it("follows the imports: importing nothing local leaves the prompt to the file alone", async () => {
        const document = await vscode.workspace.openTextDocument(file);
        const editor = await showAtEnd(document);
        await editor.edit((edit) => edit.replace(new vscode.Range(0, 0, 0, document.lineAt(0).text.length), "import math"));
        await showAtEnd(document);
        // The first request after the edit starts the new render and, if it takes longer than the
        // provider waits for it, goes on with the previous render's context: wait for the new one.
        const uri = document.uri.toString();
        await triggerSuggestion(api, editor);
        for (let waited = 0; api.projectContext.lastRendered(uri)?.files.length !== 0 && waited < 10_000; waited += 100) await sleep(100);
        assert.deepEqual(api.projectContext.lastRendered(uri)?.files, []);
        await vscode.commands.executeCommand("editor.action.inlineSuggest.hide");
        const record = await triggerSuggestion(api, editor);
        assert.equal(record.shown, "return a + b");
        assert.equal(record.outcome?.stats.prompt.contextTokens, 0);
    });
});
