import * as assert from "node:assert/strict";
import { AdaptiveDebounce, abortableDelay, isWarmPrompt } from "../../../src/core/completion/scheduler";
import { VirtualClock } from "../../../src/core/VirtualClock";

const settings = { warmMs: 25, coldMs: 120, maxMs: 600, fastTypingIntervalMs: 250 };

describe("scheduler", () => {
    it("debounces briefly when the cache is warm and longer when it is cold", () => {
        const debounce = new AdaptiveDebounce(settings);
        assert.equal(debounce.delayFor("a.py", 0, true), 25);
        assert.equal(debounce.delayFor("b.py", 0, false), 120);
    });

    it("follows the typing rhythm while typing fast, within the maximum", () => {
        const debounce = new AdaptiveDebounce(settings);
        let now = 0;
        debounce.delayFor("a.py", now, true);
        let delay = 0;
        for (let i = 0; i < 5; i++) delay = debounce.delayFor("a.py", (now += 200), true);
        assert.equal(delay, 300); // 1.5 x the 200 ms rhythm, above the warm 25 ms
        const slow = new AdaptiveDebounce({ ...settings, maxMs: 250 });
        slow.delayFor("a.py", 0, false);
        assert.equal(slow.delayFor("a.py", 240, false), 250); // capped
    });

    it("waits out an uneven rhythm: the usual gap plus four running deviations, when that is longer", () => {
        const debounce = new AdaptiveDebounce(settings);
        let now = 0;
        debounce.delayFor("a.py", now, true);
        let delay = 0;
        // Gaps of 100 and 250 ms by turns (a longer one after each comma): about 175 +- 75 ms.
        for (let i = 0; i < 12; i++) delay = debounce.delayFor("a.py", (now += i % 2 === 0 ? 100 : 250), true);
        assert.ok(delay >= 400 && delay <= 600, `${delay} ms: beyond the longer gaps, which are still typing`);
        assert.ok(delay > Math.round(1.5 * 175) + 100, "longer than the even rhythm's 1.5 x average");
    });

    it("goes back to the short delay after a pause", () => {
        const debounce = new AdaptiveDebounce(settings);
        debounce.delayFor("a.py", 0, true);
        debounce.delayFor("a.py", 100, true);
        assert.equal(debounce.delayFor("a.py", 5000, true), 25);
    });

    it("isWarmPrompt: warm for a few appended characters, cold for an edit far back or no history", () => {
        const prompt = "import os\n".repeat(50);
        assert.equal(isWarmPrompt(prompt, prompt + "x = 1"), true);
        assert.equal(isWarmPrompt(prompt, prompt.slice(0, -3)), true);
        assert.equal(isWarmPrompt(prompt, "# header\n" + prompt), false);
        assert.equal(isWarmPrompt(prompt, prompt + "y".repeat(100)), false);
        assert.equal(isWarmPrompt(undefined, prompt), false);
    });

    it("abortableDelay resolves true after the time and false on abort", async () => {
        const timers = new VirtualClock();
        const controller = new AbortController();
        const elapsed = abortableDelay(100, controller.signal, timers);
        timers.advance(100);
        assert.equal(await elapsed, true);
        const aborted = abortableDelay(100, controller.signal, timers);
        controller.abort();
        assert.equal(await aborted, false);
        assert.equal(timers.pending, 0);
    });
});
