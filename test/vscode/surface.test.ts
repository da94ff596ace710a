// The rest of the VS Code surface in a real editor: contributed commands and settings, the enable
// toggle, reloading on a model change (byte-exact text from a second scripted model), model
// errors in the status bar, and recovery from a crashed or restarted model host.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import * as vscode from "vscode";
import { CONTRIBUTED_COMMANDS, INTERNAL_COMMANDS, TEST_COMMANDS } from "../../src/vscode/commandIds";
import type { Phi2TestApi } from "../../src/vscode/testApi";
import {
    acceptSuggestion,
    activatePhi2WithModel,
    closeAllEditors,
    EXTENSION_ID,
    nextRecord,
    openUntitledPython,
    setPhi2Setting,
    triggerSuggestion,
    waitForStatus,
    waitUntil,
} from "./editorHelpers";
import { suiteEnvironment } from "./suiteEnvironment";

describe("the Phi-2 VS Code surface", () => {
    const suite = suiteEnvironment();
    let api: Phi2TestApi;

    before(async () => {
        api = await activatePhi2WithModel();
    });

    afterEach(closeAllEditors);

    after(async () => {
        await setPhi2Setting("enable", undefined);
        await setPhi2Setting("modelPath", suite.completionModel);
    });

    it("contributes the four commands in the Phi-2 category", async () => {
        const registered = await vscode.commands.getCommands(true);
        const contributed = vscode.extensions.getExtension(EXTENSION_ID)?.packageJSON.contributes.commands as { command: string; category: string }[];
        for (const id of ["phi2.selectModelFile", "phi2.toggleCompletions", "phi2.restartModel", "phi2.showLogs"]) {
            assert.ok(registered.includes(id), `${id} is not registered`);
            assert.equal(contributed.find((command) => command.command === id)?.category, "Phi-2");
        }
    });

    it("registers every command of the table exactly once, and every contributed command is in the table", async () => {
        const expected = [...Object.values(CONTRIBUTED_COMMANDS), ...Object.values(INTERNAL_COMMANDS), ...Object.values(TEST_COMMANDS)];
        assert.deepEqual([...api.registeredCommands].sort(), [...expected].sort(), "activation registered the whole table, each id once");
        const contributed = (vscode.extensions.getExtension(EXTENSION_ID)?.packageJSON.contributes.commands as { command: string }[]).map((entry) => entry.command);
        assert.deepEqual([...contributed].sort(), Object.values(CONTRIBUTED_COMMANDS).sort());
        const registered = new Set(await vscode.commands.getCommands(true));
        for (const id of expected) assert.ok(registered.has(id), `${id} is not registered with VS Code`);
    });

    it("keeps file and model settings machine-scoped (a workspace cannot point them elsewhere)", () => {
        const properties = vscode.extensions.getExtension(EXTENSION_ID)?.packageJSON.contributes.configuration.properties as Record<string, { scope?: string }>;
        for (const key of ["phi2.modelPath", "phi2.download.baseUrl", "phi2.gpu", "phi2.threads", "phi2.contextSize", "phi2.speculativeDecoding"]) assert.equal(properties[key]?.scope, "machine", key);
        assert.equal(vscode.workspace.getConfiguration("phi2").get("modelPath"), suite.completionModel);
    });

    it("Toggle Completions turns suggestions off and on again", async () => {
        await vscode.commands.executeCommand("phi2.toggleCompletions");
        assert.equal(vscode.workspace.getConfiguration("phi2").get("enable"), false);
        assert.match(api.statusBar.text, /off/);
        const editor = await openUntitledPython("def add(a, b):\n    ");
        const skipped = nextRecord(api, editor.document, () => true);
        await vscode.commands.executeCommand("editor.action.inlineSuggest.trigger");
        assert.equal((await skipped).skipped, "disabled");

        await vscode.commands.executeCommand("phi2.toggleCompletions");
        assert.equal(vscode.workspace.getConfiguration("phi2").get("enable"), true);
        // A new document: VS Code does not ask again for the same position and version.
        await closeAllEditors();
        assert.equal((await triggerSuggestion(api, await openUntitledPython("def add(a, b):\n    "))).shown, "return a + b");
    });

    it("reloads when phi2.modelPath changes and keeps the text byte-exact (` != `, `from . import`, UTF-8)", async () => {
        await setPhi2Setting("modelPath", suite.exactTextModel);
        await waitForStatus(api, (status) => status.kind === "ready" && status.info.modelPath === suite.exactTextModel);

        // SCRIPTS.exactText is 'if x != y:\n    from . import a\n\tpass\ns = "héllo ✓ 🙂"\n'.
        const cases: [string, string][] = [
            ["if x", " != y:"],
            ["if x != y:\n    from", " . import a"],
        ];
        for (const [content, expected] of cases) {
            const editor = await openUntitledPython(content);
            const record = await triggerSuggestion(api, editor);
            assert.equal(record.shown, expected, `after ${JSON.stringify(content)}`);
            assert.equal(await acceptSuggestion(editor), content + expected);
            await closeAllEditors();
        }

        await setPhi2Setting("modelPath", suite.completionModel);
        await waitForStatus(api, (status) => status.kind === "ready" && status.info.modelPath === suite.completionModel);
    });

    it("shows MODEL_NOT_FOUND in the status bar for a missing model file, and recovers", async () => {
        const missing = `${suite.workspace}/no-such-model.gguf`;
        await setPhi2Setting("modelPath", missing);
        const status = await waitForStatus(api, (candidate) => candidate.kind === "error");
        assert.equal(status.kind === "error" && status.error.code, "MODEL_NOT_FOUND");
        assert.match(api.statusBar.text, /error/);
        const editor = await openUntitledPython("def add(a, b):\n    ");
        const skipped = nextRecord(api, editor.document, () => true);
        await vscode.commands.executeCommand("editor.action.inlineSuggest.trigger");
        assert.equal((await skipped).skipped, "modelNotReady", "nothing is shown (and nothing waits) without a model");

        await setPhi2Setting("modelPath", suite.completionModel);
        await waitForStatus(api, (candidate) => candidate.kind === "ready");
        await closeAllEditors();
        assert.equal((await triggerSuggestion(api, await openUntitledPython("def add(a, b):\n    "))).shown, "return a + b");
    });

    it("refuses a corrupt file (MODEL_INVALID) and another architecture (WRONG_ARCHITECTURE)", async () => {
        const corrupt = path.join(suite.workspace, "corrupt.gguf");
        fs.writeFileSync(corrupt, "GGUF but not really: a truncated download\n".repeat(64));
        const llama = path.join(suite.workspace, "llama.gguf");
        fs.writeFileSync(llama, ggufWithArchitecture("llama"));
        for (const [file, code] of [[corrupt, "MODEL_INVALID"], [llama, "WRONG_ARCHITECTURE"]] as const) {
            await setPhi2Setting("modelPath", file);
            const status = await waitForStatus(api, (candidate) => candidate.kind === "error" && candidate.modelPath === file);
            assert.equal(status.kind === "error" && status.error.code, code, file);
            assert.match(api.statusBar.text, /error/);
        }
        await setPhi2Setting("modelPath", suite.completionModel);
        await waitForStatus(api, (candidate) => candidate.kind === "ready");
    });

    it("the status bar item offers Turn Completions Off first when the model is ready", async () => {
        assert.equal(api.models.status.kind, "ready");
        const picking = vscode.commands.executeCommand("phi2.statusBarActions");
        await waitUntil(() => vscode.workspace.getConfiguration("phi2").get("enable") === false, async () => {
            await vscode.commands.executeCommand("workbench.action.acceptSelectedQuickOpenItem");
        });
        await picking;
        assert.match(api.statusBar.text, /off/);
        await setPhi2Setting("enable", undefined);
        assert.doesNotMatch(api.statusBar.text, /off/);
    });

    it("with phi2.modelPath cleared: status 'no model', nothing offered, and back", async () => {
        await setPhi2Setting("modelPath", "");
        await waitForStatus(api, (status) => status.kind === "noModel");
        assert.match(api.statusBar.text, /no model/);
        const editor = await openUntitledPython("def add(a, b):\n    ");
        const skipped = nextRecord(api, editor.document, () => true);
        await vscode.commands.executeCommand("editor.action.inlineSuggest.trigger");
        assert.equal((await skipped).skipped, "modelNotReady");
        await setPhi2Setting("modelPath", suite.completionModel);
        await waitForStatus(api, (status) => status.kind === "ready");
    });

    it("restarts a crashed model host and serves the next request", async () => {
        const crashedPid = api.client.pid;
        assert.ok(crashedPid, "the model host has no pid");
        const restarting = waitForStatus(api, (status) => status.kind === "restarting");
        process.kill(crashedPid, "SIGKILL");
        await restarting;
        assert.match(api.statusBar.text, /restarting/);
        await waitForStatus(api, (status) => status.kind === "ready");
        assert.notEqual(api.client.pid, crashedPid);
        const editor = await openUntitledPython("def add(a, b):\n    ");
        assert.equal((await triggerSuggestion(api, editor)).shown, "return a + b");
    });

    it("Restart Model starts a fresh model host", async () => {
        const oldPid = api.client.pid;
        await vscode.commands.executeCommand("phi2.restartModel");
        await waitForStatus(api, (status) => status.kind === "ready");
        assert.ok(api.client.pid && api.client.pid !== oldPid, `pid ${api.client.pid} (was ${oldPid})`);
        const editor = await openUntitledPython("def add(a, b):\n    ");
        assert.equal((await triggerSuggestion(api, editor)).shown, "return a + b");
    });
});

/** A minimal GGUF v3 file: no tensors, one key (general.architecture). */
function ggufWithArchitecture(architecture: string): Buffer {
    const text = (value: string): Buffer => {
        const bytes = Buffer.from(value, "utf8");
        const length = Buffer.alloc(8);
        length.writeBigUInt64LE(BigInt(bytes.length));
        return Buffer.concat([length, bytes]);
    };
    const header = Buffer.alloc(24);
    header.write("GGUF", 0, "ascii");
    header.writeUInt32LE(3, 4); // version
    header.writeBigUInt64LE(0n, 8); // tensor count
    header.writeBigUInt64LE(1n, 16); // key-value count
    const stringType = Buffer.alloc(4);
    stringType.writeUInt32LE(8); // GGUF value type: string
    return Buffer.concat([header, text("general.architecture"), stringType, text(architecture)]);
}
