// The user's first minute inside a real editor: no network until Download Model runs; the command
// downloads from a local server (phi2.download.baseUrl) into global storage, checks the SHA-256,
// selects the file and loads it (ghost text follows); a wrong hash changes nothing; Select Model
// File checks the picked file before it replaces the setting.
import * as assert from "node:assert/strict";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import * as vscode from "vscode";
import type { CatalogueEntry } from "../../src/download/phi2Catalogue";
import type { Phi2TestApi } from "../../src/vscode/testApi";
import { ModelFileServer } from "../support/ModelFileServer";
import { activatePhi2WithModel, closeAllEditors, openUntitledPython, setPhi2Setting, triggerSuggestion, waitForStatus } from "./editorHelpers";
import { suiteEnvironment } from "./suiteEnvironment";

const FILE_NAME = "phi-2.Q4_K_M.gguf";

describe("Download Model and Select Model File", () => {
    const suite = suiteEnvironment();
    let api: Phi2TestApi;
    let server: ModelFileServer;
    let body: Buffer;

    const useCatalogue = (sha256: string) => {
        const entry: CatalogueEntry = { id: "Q4_K_M", fileName: FILE_NAME, approximateBytes: body.length, sha256, description: "the tiny scripted test model" };
        process.env.PHI2_TEST_DOWNLOAD_CATALOGUE = JSON.stringify([entry]);
    };

    before(async () => {
        // The tiny scripted model stands in for Phi-2: the same bytes, served like Hugging Face does.
        body = fs.readFileSync(suite.completionModel);
        server = new ModelFileServer();
        await server.start();
        server.serve(`/mirror/${FILE_NAME}`, { body, chunkDelayMs: 5 });
        await setPhi2Setting("download.baseUrl", `${server.baseUrl}/mirror`);
        useCatalogue(createHash("sha256").update(body).digest("hex"));
        api = await activatePhi2WithModel();
    });

    afterEach(closeAllEditors);

    after(async () => {
        delete process.env.PHI2_TEST_DOWNLOAD_CATALOGUE;
        await setPhi2Setting("download.baseUrl", undefined);
        await setPhi2Setting("modelPath", suite.completionModel);
        await server.stop();
    });

    it("sends nothing over the network while loading and completing, before a download is asked for", async () => {
        await vscode.commands.executeCommand("phi2.restartModel");
        await api.whenReady();
        const record = await triggerSuggestion(api, await openUntitledPython("def add(a, b):\n    "));
        assert.equal(record.shown, "return a + b");
        assert.deepEqual(server.requests, []);
    });

    it("downloads into global storage, verifies, selects and loads the model: ghost text with no other step", async () => {
        await vscode.commands.executeCommand("phi2.downloadModel", "Q4_K_M");
        const modelPath = vscode.workspace.getConfiguration("phi2").get<string>("modelPath") ?? "";
        assert.equal(path.basename(modelPath), FILE_NAME);
        assert.notEqual(modelPath, suite.completionModel);
        assert.deepEqual(fs.readFileSync(modelPath), body);
        assert.equal(fs.existsSync(`${modelPath}.part`), false);
        assert.deepEqual(server.requests.map((request) => request.path), [`/mirror/${FILE_NAME}`]);
        await waitForStatus(api, (status) => status.kind === "ready" && status.info.modelPath === modelPath);
        const record = await triggerSuggestion(api, await openUntitledPython("def add(a, b):\n    "));
        assert.equal(record.shown, "return a + b");
    });

    it("deletes a download whose SHA-256 does not match and leaves the setting alone", async () => {
        const before = vscode.workspace.getConfiguration("phi2").get<string>("modelPath");
        fs.rmSync(before ?? "", { force: true });
        useCatalogue("0".repeat(64));
        try {
            await vscode.commands.executeCommand("phi2.downloadModel", "Q4_K_M");
        } finally {
            useCatalogue(createHash("sha256").update(body).digest("hex"));
        }
        assert.equal(vscode.workspace.getConfiguration("phi2").get<string>("modelPath"), before);
        assert.equal(fs.existsSync(`${before}.part`), false);
        assert.equal(fs.existsSync(before ?? ""), false);
    });

    it("Select Model File refuses a file that is not a Phi-2 GGUF and keeps the configured model", async () => {
        const notAModel = path.join(suite.workspace, "not-a-model.gguf");
        fs.writeFileSync(notAModel, "print('hello')\n");
        const errors: string[] = [];
        const restore = stubWindow({
            showOpenDialog: async () => [vscode.Uri.file(notAModel)],
            showErrorMessage: async (message: string) => {
                errors.push(message);
                return undefined;
            },
        });
        try {
            await setPhi2Setting("modelPath", suite.completionModel);
            await vscode.commands.executeCommand("phi2.selectModelFile");
        } finally {
            restore();
        }
        assert.equal(vscode.workspace.getConfiguration("phi2").get<string>("modelPath"), suite.completionModel);
        assert.equal(errors.length, 1);
        assert.match(errors[0], /is not a valid GGUF file/);
        assert.match(errors[0], /not changed/);
    });

    it("Select Model File stores a good pick", async () => {
        const restore = stubWindow({ showOpenDialog: async () => [vscode.Uri.file(suite.exactTextModel)] });
        try {
            await vscode.commands.executeCommand("phi2.selectModelFile");
        } finally {
            restore();
        }
        assert.equal(vscode.workspace.getConfiguration("phi2").get<string>("modelPath"), suite.exactTextModel);
        await waitForStatus(api, (status) => status.kind === "ready" && status.info.modelPath === suite.exactTextModel);
    });
});

/** Replaces window functions for one test (the extension calls them through the same API object). */
function stubWindow(stubs: Record<string, (...args: never[]) => unknown>): () => void {
    const window = vscode.window as unknown as Record<string, unknown>;
    const originals = Object.fromEntries(Object.keys(stubs).map((name) => [name, window[name]]));
    Object.assign(window, stubs);
    return () => Object.assign(window, originals);
}
