// "Phi-2: Explain This Code" inside a real VS Code: the command on a selection opens the panel
// beside the editor and the webview renders the scripted model's explanation; the function
// around the cursor; the model still loading; no model; a killed model host.
import * as assert from "node:assert/strict";
import * as vscode from "vscode";
import type { ExplainPanelMessage } from "../../src/vscode/ExplainPanel";
import type { ExplainTestState } from "../../src/vscode/explainCommand";
import type { Phi2TestApi } from "../../src/vscode/testApi";
import { activatePhi2, closeAllEditors, openUntitledPython, setPhi2Setting, sleep, triggerSuggestion, waitForStatus } from "./editorHelpers";
import { suiteEnvironment } from "./suiteEnvironment";

const EXPLAIN = "phi2.explain";
const STATE = "phi2.explain.testState";
const MESSAGE = "phi2.explain.testMessage";

/** The explain prompt ends with this; the scripted model continues after it. */
const PROMPT_END = "```\nOutput:";

const ADD = "def add(a, b):\n    return a + b\n";

function state(): Thenable<ExplainTestState> {
    return vscode.commands.executeCommand<ExplainTestState>(STATE);
}

async function waitForState(matches: (state: ExplainTestState) => boolean, what: string, timeoutMs = 30_000): Promise<ExplainTestState> {
    const deadline = Date.now() + timeoutMs;
    let last = await state();
    while (!matches(last)) {
        if (Date.now() > deadline) {
            const { view: _view, ...summary } = last;
            throw new Error(`explain panel: ${what} did not happen within ${timeoutMs} ms; state ${JSON.stringify(summary)}`);
        }
        await sleep(50);
        last = await state();
    }
    return last;
}

/** Finished, and the webview has rendered the finished state (so its report is about the final text). */
function finished(expectedStatus: ExplainTestState["status"]) {
    return (current: ExplainTestState) => current.status === expectedStatus && current.rendered?.status === expectedStatus;
}

function send(message: ExplainPanelMessage): Thenable<unknown> {
    return vscode.commands.executeCommand(MESSAGE, message);
}

describe("Explain This Code", function () {
    const suite = suiteEnvironment();
    /** What the panel must show: the script after the prompt, without Phi-2's leading space. */
    const expected = suite.scripts.explain.slice(suite.scripts.explain.indexOf(PROMPT_END) + PROMPT_END.length).trim();
    let api: Phi2TestApi;

    before(async () => {
        api = await activatePhi2();
        await api.whenReady();
    });

    afterEach(async () => {
        await closeAllEditors();
    });

    it("explains a selection: the panel opens beside the editor and renders the scripted explanation", async () => {
        const editor = await openUntitledPython(`import os\n\n${ADD}`);
        editor.selection = new vscode.Selection(2, 0, 4, 0);
        await vscode.commands.executeCommand(EXPLAIN);

        const done = await waitForState(finished("done"), "a finished explanation");
        assert.equal(done.panelOpen, true);
        assert.equal(done.text, expected);
        assert.equal(done.stopReason, "eos");
        assert.deepEqual(done.source, { fileName: editor.document.uri.path.split("/").pop(), startLine: 2, endLine: 3, kind: "selection" });
        assert.equal(done.view.source?.title, "Selected code");
        assert.match(done.view.source?.detail ?? "", /, lines 3-4$/);
        assert.ok(done.prompt?.startsWith("Instruct: ") && done.prompt.endsWith(`\`\`\`python\n${ADD}\`\`\`\nOutput:`), done.prompt);
        assert.ok(!done.prompt?.includes("import os"), "an import the code does not use stays out of the prompt");
        assert.equal(done.trimmed, false);

        // The webview rendered the Markdown: `add` as code, the numbered list as a list; its text is the explanation's text.
        const rendered = done.rendered;
        assert.ok(rendered);
        assert.equal(rendered.forbiddenElements, 0);
        assert.ok(rendered.text.includes("The function add takes two numbers, a and b, and returns their sum."), rendered.text);
        assert.ok(rendered.text.includes("Then it adds them with the + operator"), rendered.text);
        assert.ok(!rendered.text.includes("1. First"), "the numbered lines became a list (numbers drawn by the list)");
        assert.ok(done.view.tree.some((node) => typeof node !== "string" && node.tag === "ol"));
        assert.equal(done.view.canCopy, true);
        assert.equal(done.view.canStop, false);

        // The editor keeps the focus: the panel opened with preserveFocus.
        assert.equal(vscode.window.activeTextEditor?.document, editor.document);
    });

    it("without a selection explains the function around the cursor, and Copy copies the raw Markdown", async () => {
        const editor = await openUntitledPython(`x = 1\n\n\n${ADD}\n\ny = 2\n`);
        editor.selection = new vscode.Selection(4, 8, 4, 8);
        await vscode.commands.executeCommand(EXPLAIN);
        const done = await waitForState(finished("done"), "a finished explanation");
        assert.deepEqual(done.source, { fileName: editor.document.uri.path.split("/").pop(), startLine: 3, endLine: 4, kind: "function", name: "add" });
        assert.equal(done.view.source?.title, "Function add()");
        assert.equal(done.text, expected);

        await vscode.env.clipboard.writeText("");
        await send({ type: "copy" });
        await waitForState((current) => current.copied !== undefined, "the copy");
        assert.equal(await vscode.env.clipboard.readText(), expected);
    });

    it("Explain Again re-reads the code and reuses the same panel", async () => {
        const editor = await openUntitledPython(ADD);
        editor.selection = new vscode.Selection(0, 0, 2, 0);
        await vscode.commands.executeCommand(EXPLAIN);
        await waitForState(finished("done"), "the first explanation");
        const tabsBefore = vscode.window.tabGroups.all.flatMap((group) => group.tabs).filter((tab) => tab.input instanceof vscode.TabInputWebview).length;

        await send({ type: "again" });
        const again = await waitForState(finished("done"), "the second explanation");
        assert.equal(again.text, expected);
        const tabsAfter = vscode.window.tabGroups.all.flatMap((group) => group.tabs).filter((tab) => tab.input instanceof vscode.TabInputWebview).length;
        assert.equal(tabsAfter, tabsBefore, "one panel, reused");
        assert.equal(tabsAfter, 1);
    });

    it("keeps the completion cache: the next completion after an explanation reuses its prompt prefix", async () => {
        const editor = await openUntitledPython(`"""Arithmetic helpers."""\nimport math\n\n\ndef add(a, b):\n`);
        const first = await triggerSuggestion(api, editor);
        const firstCounters = first.outcome?.stats.counters;
        assert.ok(firstCounters, "the first completion asked the model");

        editor.selection = new vscode.Selection(4, 0, 5, 0);
        await vscode.commands.executeCommand(EXPLAIN);
        await waitForState(finished("done"), "the explanation");

        // Type one more line (a new prompt, so no cached answer) and ask again.
        await vscode.window.showTextDocument(editor.document);
        const end = editor.document.lineAt(editor.document.lineCount - 1).range.end;
        await editor.edit((builder) => builder.insert(end, "    total = a\n"));
        const newEnd = editor.document.lineAt(editor.document.lineCount - 1).range.end;
        editor.selection = new vscode.Selection(newEnd, newEnd);
        const next = await triggerSuggestion(api, editor);
        const counters = next.outcome?.stats.counters;
        assert.ok(counters, `the second completion asked the model (${JSON.stringify(next.outcome?.stats)})`);
        // The explanation ran on its own sequence: the document's prompt is still in the KV cache.
        assert.ok(counters.reusedTokens >= firstCounters.promptTokens - 3, `reused ${counters.reusedTokens} of the first prompt's ${firstCounters.promptTokens} tokens`);
        assert.ok(counters.evaluatedTokens <= counters.promptTokens - counters.reusedTokens + 1 && counters.evaluatedTokens < 12, `evaluated ${counters.evaluatedTokens}`);
    });

    it("waits while the model is loading, then explains", async () => {
        const editor = await openUntitledPython(ADD);
        editor.selection = new vscode.Selection(0, 0, 2, 0);
        const restarted = vscode.commands.executeCommand("phi2.restartModel");
        await waitForStatus(api, (status) => status.kind !== "ready", 10_000);
        await vscode.commands.executeCommand(EXPLAIN);
        const waiting = await state();
        assert.equal(waiting.status, "waiting", JSON.stringify(waiting.view));
        assert.match(waiting.view.statusText, /explanation starts when it is ready/);
        await restarted;
        const done = await waitForState(finished("done"), "the explanation after the load", 60_000);
        assert.equal(done.text, expected);
    });

    it("says there is no model, with Select Model File, and Retry works once there is one", async () => {
        const editor = await openUntitledPython(ADD);
        editor.selection = new vscode.Selection(0, 0, 2, 0);
        await setPhi2Setting("modelPath", "");
        try {
            await waitForStatus(api, (status) => status.kind === "noModel", 20_000);
            await vscode.commands.executeCommand(EXPLAIN);
            const failed = await waitForState((current) => current.status === "error" && current.rendered?.status === "error", "the no-model error");
            assert.match(failed.view.error?.message ?? "", /No Phi-2 model is configured/);
            assert.deepEqual(failed.view.error?.actions.map((action) => action.id), ["downloadModel", "selectModelFile", "retry"]);
        } finally {
            await setPhi2Setting("modelPath", suite.completionModel);
        }
        await waitForStatus(api, (status) => status.kind === "ready" && status.info.modelPath === suite.completionModel, 60_000);
        await send({ type: "action", action: "retry" });
        const done = await waitForState(finished("done"), "the explanation after Retry");
        assert.equal(done.text, expected);
    });

    it("survives the model host being killed: the panel reports it with Retry, or waits for the restart", async () => {
        const editor = await openUntitledPython(ADD);
        editor.selection = new vscode.Selection(0, 0, 2, 0);
        const pid = api.client.pid;
        assert.ok(pid, "the model host is running");
        process.kill(pid, "SIGKILL");
        await vscode.commands.executeCommand(EXPLAIN);
        const settled = await waitForState(
            (current) => (current.status === "error" || current.status === "done") && current.rendered?.status === current.status,
            "an error or a finished explanation",
            60_000,
        );
        if (settled.status === "error") {
            assert.match(settled.view.error?.message ?? "", /model process stopped|restarting|not loaded/i, settled.view.error?.message);
            assert.ok(settled.view.error?.actions.some((action) => action.id === "retry"));
            await waitForStatus(api, (status) => status.kind === "ready", 60_000);
            await send({ type: "action", action: "retry" });
        }
        const done = await waitForState(finished("done"), "the explanation after the restart", 60_000);
        assert.equal(done.text, expected);
        assert.notEqual(api.client.pid, pid, "a new model host serves it");
    });

    describe("a long explanation (random tiny model: sampled, it never stops on its own)", () => {
        before(async () => {
            await setPhi2Setting("explain.maxTokens", 1536);
            await setPhi2Setting("modelPath", suite.randomModel);
            await waitForStatus(api, (status) => status.kind === "ready" && status.info.modelPath === suite.randomModel, 60_000);
        });

        after(async () => {
            await setPhi2Setting("explain.maxTokens", undefined);
            await setPhi2Setting("modelPath", suite.completionModel);
            await waitForStatus(api, (status) => status.kind === "ready" && status.info.modelPath === suite.completionModel, 60_000);
        });

        /**
         * A long stream: greedy, the random model soon loops on one phrase, which the loop rule
         * cuts; sampled (Explain Again) it writes on without end.
         */
        async function startStreaming(): Promise<ExplainTestState> {
            const editor = await openUntitledPython(ADD);
            editor.selection = new vscode.Selection(0, 0, 2, 0);
            await vscode.commands.executeCommand(EXPLAIN);
            await waitForState(finished("done"), "the greedy explanation");
            await send({ type: "again" });
            return waitForState((current) => current.status === "streaming" && current.sampling !== undefined && current.text.length > 0, "streamed text");
        }

        it("cuts the greedy random model's phrase loop long before the length cap", async () => {
            const editor = await openUntitledPython(ADD);
            editor.selection = new vscode.Selection(0, 0, 2, 0);
            await vscode.commands.executeCommand(EXPLAIN);
            const done = await waitForState(finished("done"), "the greedy explanation");
            assert.equal(done.stopRule, "phraseLoop", `stopped by ${done.stopReason}/${done.stopRule}: ${JSON.stringify(done.text.slice(-200))}`);
            assert.ok(done.text.length > 0);
        });

        it("Explain Again samples with a new seed: a different explanation, not the identical text", async () => {
            await setPhi2Setting("explain.maxTokens", 48);
            try {
                const editor = await openUntitledPython(ADD);
                editor.selection = new vscode.Selection(0, 0, 2, 0);
                await vscode.commands.executeCommand(EXPLAIN);
                const first = await waitForState(finished("done"), "the first explanation");
                assert.equal(first.sampling, undefined, "the first explanation is greedy");
                const runs = [first];
                for (let again = 0; again < 2; again++) {
                    await send({ type: "again" });
                    runs.push(await waitForState((current) => finished("done")(current) && current.sampling?.seed !== runs.at(-1)!.sampling?.seed, "another explanation"));
                }
                const texts = runs.map((run) => run.text);
                assert.ok(texts.every((text) => text.length > 0), JSON.stringify(texts));
                assert.equal(new Set(texts).size, texts.length, `three different explanations: ${JSON.stringify(texts)}`);
                assert.ok(runs.slice(1).every((run) => run.sampling !== undefined && run.sampling.temperature > 0));
            } finally {
                await setPhi2Setting("explain.maxTokens", 1536);
            }
        });

        it("Stop ends it mid-stream and keeps the text so far", async () => {
            const streaming = await startStreaming();
            assert.equal(streaming.view.canStop, true);
            await send({ type: "stop" });
            const stopped = await waitForState(finished("stopped"), "the stop", 10_000);
            assert.ok(stopped.text.startsWith(streaming.text), "the text so far stays");
            assert.equal(stopped.stopReason, "cancelled");
            assert.equal(stopped.view.statusText, "Stopped");
            assert.equal(stopped.view.canExplainAgain, true);
            const settledLength = stopped.text.length;
            await sleep(300);
            assert.equal((await state()).text.length, settledLength, "nothing arrives after Stop");
        });

        it("completions keep priority: one asked for while an explanation streams is served before the explanation ends", async () => {
            await startStreaming();
            const editor = await openUntitledPython("def scale(values, factor):\n");
            const record = await triggerSuggestion(api, editor);
            const during = await state();
            assert.ok(record.outcome?.stats.counters, `the completion asked the model (${JSON.stringify(record.outcome?.stats)})`);
            assert.equal(during.status, "streaming", `the explanation was still streaming when the completion came back after ${record.elapsedMs} ms`);
            const before = during.text.length;
            await waitForState((current) => current.text.length > before, "more explanation after the completion", 10_000);
            await send({ type: "stop" });
            await waitForState(finished("stopped"), "the stop");
        });

        it("a host crash mid-stream keeps the partial text and offers Retry, which explains again", async () => {
            await startStreaming();
            const pid = api.client.pid;
            assert.ok(pid);
            process.kill(pid, "SIGKILL");
            const failed = await waitForState((current) => current.status === "error" && current.rendered?.status === "error", "the crash report", 20_000);
            assert.match(failed.view.error?.message ?? "", /model process stopped while explaining/);
            assert.match(failed.view.error?.message ?? "", /incomplete/);
            assert.deepEqual(failed.view.error?.actions.map((action) => action.id), ["retry", "showLogs"]);
            assert.ok(failed.text.length > 0 && failed.rendered?.text.length, "the partial explanation stays visible");

            await waitForStatus(api, (status) => status.kind === "ready", 60_000);
            await send({ type: "action", action: "retry" });
            await waitForState((current) => current.status === "streaming" && current.text.length > 0, "streaming after Retry");
            await send({ type: "stop" });
            await waitForState(finished("stopped"), "the stop");
        });
    });
});
