// The committed pocket Phi-2, run by the real llama.cpp: its bytes match the sidecar, and llama.cpp
// computes the same held-out loss as PyTorch did at export (the GGUF holds the phi2 graph the model
// was trained as: fused QKV, NeoX partial rotary, parallel attention and MLP, gelu, biases).
import * as assert from "node:assert/strict";
import type { LlamaContext, LlamaModel, Token } from "node-llama-cpp";
import { verifyPocketModel } from "../support/pocket/pocketModel";
import { getTestLlama } from "../support/tinyModels";

interface RecordedCheck {
    readonly tokens: readonly number[];
    readonly meanLoss: number;
}

/** f16 weights (training was f32) move the loss by far less than this; a wrong graph by far more. */
const LOSS_TOLERANCE = 0.02;

describe("pocket Phi-2 (real llama.cpp)", function () {
    this.timeout(120_000);
    let model: LlamaModel | undefined;
    let context: LlamaContext | undefined;

    after(async () => {
        await context?.dispose();
        await model?.dispose();
    });

    it("loads as a phi2 model and gives the held-out loss PyTorch recorded", async () => {
        const { path, sidecar } = await verifyPocketModel();
        const check = sidecar.check as RecordedCheck;
        const llama = await getTestLlama();
        model = await llama.loadModel({ modelPath: path });
        assert.equal(model.fileInfo.metadata.general.architecture, "phi2");
        context = await model.createContext({ contextSize: 512, threads: 1, sequences: 1 });
        const sequence = context.getSequence();
        const inputs = check.tokens.slice(0, -1).map((token) => [token as Token, { generateNext: { probabilities: true } }] as [Token, { generateNext: { probabilities: true } }]);
        const outputs = await sequence.controlledEvaluate(inputs);
        let total = 0;
        outputs.forEach((output, index) => {
            const probability = output?.next.probabilities?.get(check.tokens[index + 1] as Token) ?? 0;
            total += -Math.log(Math.max(probability, 1e-30));
        });
        const loss = total / outputs.length;
        assert.ok(Math.abs(loss - check.meanLoss) < LOSS_TOLERANCE, `llama.cpp loss ${loss.toFixed(4)} vs PyTorch ${check.meanLoss.toFixed(4)}`);
    });
});
