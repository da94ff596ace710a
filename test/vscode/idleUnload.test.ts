// phi2.idleUnloadMinutes in a real editor: the model is unloaded after the quiet period (status bar
// "idle"), the next request loads it again, and completions work as before.
import * as assert from "node:assert/strict";
import type { Phi2TestApi } from "../../src/vscode/testApi";
import { activatePhi2WithModel, closeAllEditors, openUntitledPython, setPhi2Setting, triggerSuggestion, waitForStatus } from "./editorHelpers";

describe("unloading an idle model", () => {
    let api: Phi2TestApi;

    before(async () => {
        api = await activatePhi2WithModel();
    });

    afterEach(closeAllEditors);

    after(async () => {
        await setPhi2Setting("idleUnloadMinutes", undefined);
        api.models.wakeIfIdle();
        await api.whenReady();
    });

    it("unloads after the quiet period; the next request loads it again, and requests get suggestions", async () => {
        await setPhi2Setting("idleUnloadMinutes", 0.02); // 1.2 s
        await waitForStatus(api, (status) => status.kind === "idle", 20_000);
        assert.match(api.statusBar.text, /idle/);
        // "idle" turns requests away at once, and the host process ends: all its memory goes back.
        assert.equal(api.client.state.kind, "stopped");
        assert.equal(api.client.pid, undefined);
        // Back to a long wait, so the reloaded model stays for the rest of the test.
        await setPhi2Setting("idleUnloadMinutes", 15);
        assert.equal(api.models.status.kind, "idle");

        // Opening a Python editor and asking for a suggestion is the next request: it wakes the model
        // (the answer itself comes once the model is back).
        const first = await triggerSuggestion(api, await openUntitledPython("def add(a, b):\n    "));
        assert.notEqual(api.models.status.kind, "idle");
        await waitForStatus(api, (status) => status.kind === "ready");
        if (first.shown === undefined) assert.equal(first.skipped, "modelNotReady");
        await closeAllEditors();
        assert.equal((await triggerSuggestion(api, await openUntitledPython("def add(a, b):\n    "))).shown, "return a + b");
    });
});
