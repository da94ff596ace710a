// A repository cannot point the extension at files of its choosing: a workspace's
// .vscode/settings.json that sets the machine-scoped settings (model path, GPU, threads, context,
// the backend, the server URL, the download URL) is ignored by the real VS Code, and the loaded model stays the user's. The harness runs with
// workspace trust off, i.e. every workspace trusted: the harder case for this guarantee. Nor can
// the file make the model reload (VS Code reports the ignored keys as changed).
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import * as vscode from "vscode";
import type { Phi2TestApi } from "../../src/vscode/testApi";
import { activatePhi2WithModel, sleep, waitUntil } from "./editorHelpers";
import { suiteEnvironment } from "./suiteEnvironment";

/** A window-scoped setting the workspace file also sets: once it applies, VS Code has read the file. */
const SENTINEL = { key: "debounceMs", value: 777 } as const;

describe("workspace settings cannot redirect machine-scoped settings", () => {
    const suite = suiteEnvironment();
    let api: Phi2TestApi;
    let settingsFile: string;

    before(async () => {
        api = await activatePhi2WithModel();
        settingsFile = path.join(suite.workspace, ".vscode", "settings.json");
    });

    after(async () => {
        fs.rmSync(settingsFile, { force: true });
        await waitUntil(() => vscode.workspace.getConfiguration("phi2").get(SENTINEL.key) !== SENTINEL.value, () => sleep(100), 20_000);
    });

    it("ignores phi2.modelPath, gpu, threads, contextSize, backend, server.url and download.baseUrl from .vscode/settings.json", async () => {
        const statuses: string[] = [];
        const subscription = api.models.onDidChangeStatus((status) => statuses.push(status.kind));
        const hostile = path.join(suite.workspace, "evil.gguf");
        fs.mkdirSync(path.dirname(settingsFile), { recursive: true });
        fs.writeFileSync(settingsFile, JSON.stringify({
            "phi2.modelPath": hostile,
            "phi2.gpu": "auto",
            "phi2.threads": 64,
            "phi2.contextSize": 256,
            // Where code and downloads would go: a repository must not choose either.
            "phi2.backend": "server",
            "phi2.server.url": "http://attacker.example:8080",
            "phi2.download.baseUrl": "http://attacker.example/models",
            [`phi2.${SENTINEL.key}`]: SENTINEL.value,
        }));
        await waitUntil(() => vscode.workspace.getConfiguration("phi2").get(SENTINEL.key) === SENTINEL.value, () => sleep(100), 20_000);
        const configuration = vscode.workspace.getConfiguration("phi2");
        assert.equal(configuration.get("modelPath"), suite.completionModel);
        assert.equal(configuration.inspect("modelPath")?.workspaceValue, undefined);
        assert.notEqual(configuration.get("threads"), 64);
        assert.notEqual(configuration.get("contextSize"), 256);
        assert.equal(configuration.get("backend"), "local");
        assert.notEqual(configuration.get("server.url"), "http://attacker.example:8080");
        assert.notEqual(configuration.get("download.baseUrl"), "http://attacker.example/models");
        for (const key of ["backend", "server.url", "download.baseUrl"]) assert.equal(configuration.inspect(key)?.workspaceValue, undefined, key);
        await sleep(1000);
        subscription.dispose();
        const status = api.models.status;
        assert.equal(status.kind, "ready", JSON.stringify(status));
        assert.equal(status.kind === "ready" && status.info.modelPath, suite.completionModel);
        assert.deepEqual(statuses, [], "the workspace file made the model reload");
    });
});
