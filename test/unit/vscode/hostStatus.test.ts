// The local model's status as a function of the host client's state: what the status bar shows
// after each state, and where the manager's own facts (an error's toast, an idle unload) decide.
import * as assert from "node:assert/strict";
import { ModelHostError } from "../../../src/hostClient/ModelHostError";
import type { ModelInfo } from "../../../src/protocol/modelHostProtocol";
import { statusOfHost } from "../../../src/vscode/hostStatus";

const INFO: ModelInfo = { modelPath: "/m/phi-2.gguf", architecture: "phi2", trainContextSize: 2048, contextSize: 2048, sequences: 3, vocabularySize: 51200, gpu: "off", threads: 2, loadMs: 10 };

describe("statusOfHost", () => {
    it("shows loading, ready and restarting as the client reports them", () => {
        assert.deepEqual(statusOfHost({ kind: "loading", progress: 0.5 }, true, "starting"), { kind: "loading", progress: 0.5 });
        assert.deepEqual(statusOfHost({ kind: "ready", info: INFO }, true, "loading"), { kind: "ready", info: INFO });
        assert.deepEqual(statusOfHost({ kind: "restarting", attempt: 2, delayMs: 1000 }, true, "ready"), { kind: "restarting", attempt: 2, delayMs: 1000 });
    });

    it("shows starting unless no model is configured and none was shown", () => {
        assert.deepEqual(statusOfHost({ kind: "starting" }, true, "noModel"), { kind: "starting" });
        assert.deepEqual(statusOfHost({ kind: "starting" }, false, "restarting"), { kind: "starting" });
        assert.equal(statusOfHost({ kind: "starting" }, false, "noModel"), undefined);
    });

    it("leaves a stopped host with a model configured (idle, or a load about to start) and an error to the manager", () => {
        assert.equal(statusOfHost({ kind: "stopped" }, true, "idle"), undefined);
        assert.deepEqual(statusOfHost({ kind: "stopped" }, false, "ready"), { kind: "noModel" });
        assert.equal(statusOfHost({ kind: "error", error: new ModelHostError("HOST_CRASH_LOOP", "stopped 5 times") }, true, "restarting"), undefined);
    });
});
