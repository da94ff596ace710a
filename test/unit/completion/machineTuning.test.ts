import * as assert from "node:assert/strict";
import { DEFAULT_COMPLETION_SETTINGS, withSettings } from "../../../src/core/completion/CompletionSettings";
import { MIN_TUNED_PROMPT_TOKENS, firstLookTokensFor, tuneCompletionSettings, tunedMaxPromptTokens, tuneToMachine, windowStepLinesFor } from "../../../src/core/completion/machineTuning";

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

    it("changes only the prompt window (its size and its step)", () => {
        const tuned = tuneToMachine(DEFAULT_COMPLETION_SETTINGS, speed(18.5));
        assert.equal(tuned.windowStepLines, 10);
        assert.deepEqual({ ...tuned, maxPromptTokens: DEFAULT_COMPLETION_SETTINGS.maxPromptTokens, windowStepLines: DEFAULT_COMPLETION_SETTINGS.windowStepLines }, DEFAULT_COMPLETION_SETTINGS);
    });
});

describe("window steps for a tuned window", () => {
    it("keeps a step well below the window: 6 lines for 192 tokens, 10 for 320, the setting's 32 for 1,024", () => {
        assert.equal(windowStepLinesFor(192, 32), 6);
        assert.equal(windowStepLinesFor(320, 32), 10);
        assert.equal(windowStepLinesFor(1024, 32), 32);
        assert.equal(windowStepLinesFor(4096, 32), 32, "never above the configured step");
        assert.equal(windowStepLinesFor(64, 32), 4);
    });
});

describe("budgets tuned to the measured speed", () => {
    const phi2Here = { promptTokensPerS: 18.5, generatedTokensPerS: 5 };

    it("derives window, time cap, max tokens and cold debounce from Phi-2's speed on 2 cores", () => {
        const tuned = tuneCompletionSettings(DEFAULT_COMPLETION_SETTINGS, phi2Here);
        assert.equal(tuned.maxPromptTokens, 320);
        assert.equal(tuned.timeCapMs, 4800, "24 tokens at 5 tokens/s");
        assert.equal(tuned.maxTokens, 24);
        assert.equal(tuned.debounce.coldMs, 200, "one token's time");
        assert.equal(tuned.latencyBudgetMs, DEFAULT_COMPLETION_SETTINGS.latencyBudgetMs, "the budget is the user's");
    });

    it("keeps the time cap within [budget, 8 s] and never raises max tokens or the debounce above the settings", () => {
        const slow = tuneCompletionSettings(DEFAULT_COMPLETION_SETTINGS, { promptTokensPerS: 5, generatedTokensPerS: 0.5 });
        assert.equal(slow.timeCapMs, 8000);
        assert.equal(slow.maxTokens, 16);
        assert.equal(slow.debounce.coldMs, DEFAULT_COMPLETION_SETTINGS.debounce.maxMs);
        const fast = tuneCompletionSettings(DEFAULT_COMPLETION_SETTINGS, { promptTokensPerS: 500, generatedTokensPerS: 200 });
        assert.equal(fast.timeCapMs, Math.max(1000, DEFAULT_COMPLETION_SETTINGS.latencyBudgetMs));
        // A budget above the 1 s minimum is the floor (not the minimum).
        const patient = tuneCompletionSettings({ ...DEFAULT_COMPLETION_SETTINGS, latencyBudgetMs: 1500 }, { promptTokensPerS: 500, generatedTokensPerS: 200 });
        assert.equal(patient.timeCapMs, 1500);
        assert.equal(fast.maxTokens, DEFAULT_COMPLETION_SETTINGS.maxTokens);
        assert.equal(fast.debounce.coldMs, DEFAULT_COMPLETION_SETTINGS.debounce.coldMs);
    });

    it("leaves what the user set explicitly alone", () => {
        const tuned = tuneCompletionSettings(DEFAULT_COMPLETION_SETTINGS, phi2Here, new Set(["timeCapMs", "maxPromptTokens", "debounce", "maxTokens"]));
        // The first look is no setting of the user's: a 1,024-token window read at 18.5 tokens/s takes 55 s.
        assert.deepEqual(tuned, { ...DEFAULT_COMPLETION_SETTINGS, firstLookTokens: 64 });
    });

    it("gives a slow cold read a first look of about 4 s of reading (at least 64 tokens, at most a third of the window), and a fast one none", () => {
        assert.equal(tuneCompletionSettings(DEFAULT_COMPLETION_SETTINGS, phi2Here).firstLookTokens, 64, "320 tokens at 18.5 tokens/s: 17 s");
        assert.equal(firstLookTokensFor(576, { promptTokensPerS: 30, generatedTokensPerS: 12 }), 96, "19 s: 120 tokens in 4 s, in steps of 32");
        assert.equal(firstLookTokensFor(1024, { promptTokensPerS: 60, generatedTokensPerS: 20 }), 224);
        assert.equal(firstLookTokensFor(192, { promptTokensPerS: 5, generatedTokensPerS: 1 }), 64);
        assert.equal(firstLookTokensFor(150, { promptTokensPerS: 5, generatedTokensPerS: 1 }), 0, "a third of the window is below 64 tokens");
        assert.equal(firstLookTokensFor(576, { promptTokensPerS: 100, generatedTokensPerS: 30 }), 0, "5.8 s: read at once");
        assert.equal(firstLookTokensFor(576, { promptTokensPerS: 0, generatedTokensPerS: 0 }), 0, "speed unknown");
    });

    it("changes only the window and its first look when the generation speed is unknown", () => {
        const tuned = tuneCompletionSettings(DEFAULT_COMPLETION_SETTINGS, { promptTokensPerS: 18.5, generatedTokensPerS: 0 });
        assert.deepEqual(tuned, { ...DEFAULT_COMPLETION_SETTINGS, maxPromptTokens: 320, windowStepLines: 10, firstLookTokens: 64 });
    });
});
