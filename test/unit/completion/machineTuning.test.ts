import * as assert from "node:assert/strict";
import { DEFAULT_COMPLETION_SETTINGS, withSettings } from "../../../src/core/completion/CompletionSettings";
import { MIN_TUNED_PROMPT_TOKENS, tunedMaxPromptTokens, tuneToMachine } from "../../../src/core/completion/machineTuning";

const speed = (promptTokensPerS: number) => ({ promptTokensPerS, generatedTokensPerS: 5 });

describe("machine tuning of the prompt window", () => {
    it("sizes the window so a cold prefill takes at most the budget, in steps of 64 tokens", () => {
        // Phi-2 Q4_K_M on a quiet 2-core machine: 18.5 tokens/s x 20 s = 370 -> 320.
        assert.equal(tunedMaxPromptTokens(DEFAULT_COMPLETION_SETTINGS, speed(18.5)), 320);
        assert.equal(tunedMaxPromptTokens(DEFAULT_COMPLETION_SETTINGS, speed(18.5), { coldPromptBudgetMs: 40_000 }), 704);
    });

    it("never exceeds the configured maximum on a fast machine", () => {
        assert.equal(tunedMaxPromptTokens(DEFAULT_COMPLETION_SETTINGS, speed(400)), DEFAULT_COMPLETION_SETTINGS.maxPromptTokens);
        const explicit = withSettings(DEFAULT_COMPLETION_SETTINGS, { maxPromptTokens: 256 });
        assert.equal(tunedMaxPromptTokens(explicit, speed(400)), 256);
    });

    it("keeps a useful minimum on a very slow machine", () => {
        assert.equal(tunedMaxPromptTokens(DEFAULT_COMPLETION_SETTINGS, speed(2)), MIN_TUNED_PROMPT_TOKENS);
    });

    it("leaves the settings alone when the speed is unknown", () => {
        assert.equal(tunedMaxPromptTokens(DEFAULT_COMPLETION_SETTINGS, speed(0)), DEFAULT_COMPLETION_SETTINGS.maxPromptTokens);
        assert.equal(tunedMaxPromptTokens(DEFAULT_COMPLETION_SETTINGS, speed(Number.NaN)), DEFAULT_COMPLETION_SETTINGS.maxPromptTokens);
    });

    it("changes only the prompt window", () => {
        const tuned = tuneToMachine(DEFAULT_COMPLETION_SETTINGS, speed(18.5));
        assert.deepEqual({ ...tuned, maxPromptTokens: DEFAULT_COMPLETION_SETTINGS.maxPromptTokens }, DEFAULT_COMPLETION_SETTINGS);
    });
});
