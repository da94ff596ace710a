// phi2.backend "server" in a real VS Code: the extension uses the suite's llama-server (on
// 127.0.0.1, started with an API key) instead of the local model host, asks for the key when the
// server refuses it, shows the same exact ghost text, and ignores a workspace that tries to point
// phi2.server.url elsewhere (the setting is machine-scoped).
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import * as vscode from "vscode";
import type { Phi2TestApi } from "../../src/vscode/testApi";
import { activatePhi2WithModel, closeAllEditors, EXTENSION_ID, openUntitledPython, setPhi2Setting, sleep, triggerSuggestion, waitForStatus } from "./editorHelpers";
import { suiteEnvironment } from "./suiteEnvironment";

describe("phi2.backend server: completions from a llama-server", () => {
    const suite = suiteEnvironment();
    const workspaceSettings = path.join(suite.workspace, ".vscode", "settings.json");
    let api: Phi2TestApi;

    before(async () => {
        api = await activatePhi2WithModel();
    });

    afterEach(closeAllEditors);

    after(async () => {
        fs.rmSync(workspaceSettings, { force: true });
        await vscode.commands.executeCommand("phi2.setServerApiKey", "");
        await setPhi2Setting("backend", undefined);
        await setPhi2Setting("server.url", undefined);
        await waitForStatus(api, (status) => status.kind === "ready" && status.server === undefined);
    });

    it("declares phi2.backend and phi2.server.url machine-scoped and the Set Server API Key command", async () => {
        const contributes = vscode.extensions.getExtension(EXTENSION_ID)?.packageJSON.contributes;
        const properties = contributes.configuration.properties as Record<string, { scope?: string }>;
        assert.equal(properties["phi2.backend"]?.scope, "machine");
        assert.equal(properties["phi2.server.url"]?.scope, "machine");
        assert.ok((await vscode.commands.getCommands(true)).includes("phi2.setServerApiKey"));
    });

    it("says the server wants an API key, then completes from it once the key is set", async () => {
        await vscode.commands.executeCommand("phi2.setServerApiKey", "");
        await setPhi2Setting("server.url", suite.serverUrl);
        await setPhi2Setting("backend", "server");
        const refused = await waitForStatus(api, (status) => status.kind === "error");
        assert.equal(refused.kind === "error" && refused.error.code, "UNAUTHORIZED");
        assert.match(api.statusBar.text, /error/);
        assert.match(api.statusBar.tooltip, /Set Server API Key/);
        // The local model host was stopped: nothing runs on this machine.
        assert.equal(api.models.hostClient.state.kind, "stopped");

        await vscode.commands.executeCommand("phi2.setServerApiKey", suite.serverApiKey);
        await waitForStatus(api, (status) => status.kind === "ready" && status.server === suite.serverUrl);
        assert.match(api.statusBar.tooltip, new RegExp(`on the server ${suite.serverUrl.replace(/[.]/g, "\\.")}`));

        const record = await triggerSuggestion(api, await openUntitledPython("def add(a, b):\n    "));
        assert.equal(record.shown, "return a + b");
        const counters = record.outcome?.stats.counters;
        assert.ok(counters && counters.promptTokens > 0 && counters.generatedTokens > 0, `counters: ${JSON.stringify(counters)}`);
    });

    it("ignores a workspace's .vscode/settings.json that points phi2.server.url at another server", async () => {
        await waitForStatus(api, (status) => status.kind === "ready" && status.server === suite.serverUrl);
        fs.mkdirSync(path.dirname(workspaceSettings), { recursive: true });
        // A window-scoped setting in the same file proves the editor read it.
        fs.writeFileSync(workspaceSettings, JSON.stringify({ "phi2.server.url": "http://127.0.0.1:9", "phi2.backend": "server", "phi2.debounceMs": 123 }));
        const deadline = Date.now() + 20_000;
        while (vscode.workspace.getConfiguration("phi2").get("debounceMs") !== 123) {
            assert.ok(Date.now() < deadline, "the workspace settings file was not picked up");
            await sleep(100);
        }
        assert.equal(vscode.workspace.getConfiguration("phi2").get("server.url"), suite.serverUrl);
        // The file names phi2.backend, so the extension may connect again: to the machine's server.
        await waitForStatus(api, (status) => status.kind === "ready" && status.server === suite.serverUrl);
        const record = await triggerSuggestion(api, await openUntitledPython("def add(a, b):\n    "));
        assert.equal(record.shown, "return a + b");
        fs.rmSync(workspaceSettings, { force: true });
    });
});
