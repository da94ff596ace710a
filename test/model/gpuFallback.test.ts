// phi2.gpu with a GPU this machine does not have: the host loads on the CPU once instead, says
// why (ModelInfo.gpuFallback, a log line) and the model works. "cpu" and the older "off" never
// touch a GPU.
import * as assert from "node:assert/strict";
import { ensureScriptedModel, SCRIPTS } from "../support/tinyModels";
import { createClient, loadParams, type TestClient } from "./hostHarness";

describe("GPU selection and the CPU fallback", function () {
    this.timeout(180_000);
    let host: TestClient;
    let modelPath: string;

    before(async () => {
        modelPath = await ensureScriptedModel(SCRIPTS.add);
        host = createClient();
    });

    after(() => host.client.dispose());

    it("asked for CUDA where there is none: loads on the CPU, reports why, and generates", async function () {
        const info = await host.client.load(loadParams(modelPath, { gpu: "cuda", sequences: 1, contextSize: 512 }));
        if (info.gpu !== false) this.skip(); // a machine with CUDA: nothing to fall back from
        assert.equal(info.gpuLayers, 0);
        assert.ok(info.gpuFallback, "no fallback reason");
        assert.ok(host.logs.some((line) => line.level === "warn" && /loading on the CPU instead/.test(line.message)), "no warning in the log");
        const result = await host.client.generate({ sequenceKey: "gpu", prompt: "def add(a, b):\n", maxTokens: 16 });
        assert.equal(result.text, "    return a + b\n");
    });

    it('"cpu" loads on the CPU without a fallback', async () => {
        const info = await host.client.load(loadParams(modelPath, { gpu: "cpu", sequences: 1, contextSize: 512 }));
        assert.equal(info.gpu, false);
        assert.equal(info.gpuLayers, 0);
        assert.equal(info.gpuFallback, undefined);
    });

    it("refuses an unknown mode with a message listing the valid ones", async () => {
        await assert.rejects(host.client.load(loadParams(modelPath, { gpu: "quantum" as never })), /auto, cpu, cuda, vulkan, metal/);
    });
});
