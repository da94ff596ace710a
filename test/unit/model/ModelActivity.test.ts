import * as assert from "node:assert/strict";
import { ModelActivity, SPINNER_DELAY_MS, type ModelActivityView } from "../../../src/core/model/ModelActivity";
import { VirtualClock } from "../../../src/core/VirtualClock";

describe("ModelActivity", () => {
    let timers: VirtualClock;
    let changes: ModelActivityView[];
    let activity: ModelActivity;

    /** Read afresh each time (TypeScript would narrow a repeated property read). */
    const now = (): ModelActivityView => activity.view;

    beforeEach(() => {
        timers = new VirtualClock();
        changes = [];
        activity = new ModelActivity(timers, (view) => changes.push(view));
    });

    it("stays quiet for requests that end before the spinner delay (one per keystroke)", () => {
        for (let key = 0; key < 50; key++) {
            const request = activity.begin("file:///a.py", "foreground");
            timers.advance(SPINNER_DELAY_MS - 1);
            request.end();
        }
        assert.deepEqual(changes, []);
        assert.equal(now().kind, "quiet");
        assert.equal(timers.pending, 0, "an ended request leaves no timer behind");
    });

    it("shows a request once it has waited the delay, and goes quiet when it ends", () => {
        const request = activity.begin("file:///a.py", "foreground");
        timers.advance(SPINNER_DELAY_MS);
        assert.deepEqual(now(), { kind: "working", key: "file:///a.py", priority: "foreground" });
        request.end();
        assert.deepEqual(changes.map((view) => view.kind), ["working", "quiet"]);
    });

    it("reports how far a long prompt got, in whole percents, then working once it is read", () => {
        const request = activity.begin("file:///wrap.py", "background");
        request.progress({ evaluatedTokens: 0, tokensToEvaluate: 640 });
        assert.deepEqual(changes, [], "progress before the delay is not shown yet");
        timers.advance(SPINNER_DELAY_MS);
        assert.deepEqual(now(), { kind: "reading", key: "file:///wrap.py", priority: "background", percent: 0, tokensToEvaluate: 640 });
        request.progress({ evaluatedTokens: 224, tokensToEvaluate: 640 });
        const reading = now();
        assert.equal(reading.kind === "reading" && reading.percent, 35);
        request.progress({ evaluatedTokens: 225, tokensToEvaluate: 640 });
        assert.equal(changes.length, 2, "a progress report within the same percent changes nothing");
        request.progress({ evaluatedTokens: 640, tokensToEvaluate: 640 });
        assert.equal(now().kind, "working");
        request.end();
        assert.equal(now().kind, "quiet");
    });

    it("shows the foreground request over a background prefill, and the prefill again after it", () => {
        const prefill = activity.begin("file:///big.py", "background");
        prefill.progress({ evaluatedTokens: 64, tokensToEvaluate: 640 });
        timers.advance(SPINNER_DELAY_MS);
        const completion = activity.begin("file:///small.py", "foreground");
        timers.advance(SPINNER_DELAY_MS);
        assert.deepEqual(now(), { kind: "working", key: "file:///small.py", priority: "foreground" });
        completion.end();
        const after = now();
        assert.equal(after.kind === "reading" && after.key, "file:///big.py");
        prefill.end();
    });

    it("ignores reports after the end and a second end", () => {
        const request = activity.begin("file:///a.py", "foreground");
        timers.advance(SPINNER_DELAY_MS);
        request.end();
        request.progress({ evaluatedTokens: 1, tokensToEvaluate: 100 });
        request.end();
        assert.deepEqual(changes.map((view) => view.kind), ["working", "quiet"]);
    });

    it("shows at once with a delay of 0", () => {
        activity.spinnerDelayMs = 0;
        const request = activity.begin("file:///a.py", "foreground");
        assert.equal(now().kind, "working");
        request.end();
    });
});
