// What the status bar says while the model works, in a real VS Code: typing fast must not toggle a
// spinner on every keystroke (it appears only once a request has waited), and a long prefill says
// which file it reads and how far it got.
import * as assert from "node:assert/strict";
import * as vscode from "vscode";
import { SPINNER_DELAY_MS } from "../../src/core/model/ModelActivity";
import { describeSpeeds } from "../../src/vscode/ModelStatusBar";
import type { Phi2TestApi } from "../../src/vscode/testApi";
import { activatePhi2WithModel, closeAllEditors, nextMatchingEvent, openUntitledPython, showAtEnd, sleep } from "./editorHelpers";

/** A user typing fast: a key every 100 ms for 5 s. */
const KEYSTROKE_INTERVAL_MS = 100;
const TYPING_MS = 5_000;
const TYPED = "total = first_value + second_value * third_value - fourth_value / fifth";

/** A module long enough that its prompt spans many evaluation chunks (64 tokens each). */
function longPythonModule(): string {
    const parts = ['"""Report helpers."""', "import math", ""];
    for (let index = 0; index < 40; index++) {
        parts.push(`def weighted_total_${index}(values, weight):`, `    """Sum of values times ${index}."""`, `    return math.fsum(values) * weight * ${index}`, "");
    }
    parts.push("def report(values):", "    ");
    return parts.join("\n");
}

describe("the status bar while the model works", () => {
    let api: Phi2TestApi;

    before(async () => {
        api = await activatePhi2WithModel();
    });

    afterEach(closeAllEditors);

    it("does not change its text on every keystroke while the user types fast", async () => {
        const editor = await openUntitledPython("def add(a, b):\n    ");
        editor.selection = new vscode.Selection(1, 4, 1, 4);
        // The inline-suggestion controller attaches to a newly shown editor asynchronously.
        await sleep(1000);
        const changesBefore = api.statusBar.textChanges;
        const requestsBefore = api.engine.totals.requests;
        const started = Date.now();
        let keystrokes = 0;
        for (const character of TYPED) {
            if (Date.now() - started >= TYPING_MS) break;
            await vscode.commands.executeCommand("type", { text: character });
            keystrokes++;
            await sleep(KEYSTROKE_INTERVAL_MS);
        }
        const changes = api.statusBar.textChanges - changesBefore;
        const requests = api.engine.totals.requests - requestsBefore;
        console.log(`status bar: ${changes} text changes in ${Date.now() - started} ms of typing (${keystrokes} keystrokes, ${requests} completion requests)`);
        assert.ok(requests >= keystrokes / 2, `the editor asked for completions while typing (${requests} requests for ${keystrokes} keystrokes)`);
        // A request cancelled by the next keystroke within 100 ms never waited long enough for a spinner.
        assert.ok(changes <= keystrokes / 10, `${changes} status bar text changes for ${keystrokes} keystrokes; recent texts: ${JSON.stringify(api.statusBar.recentTexts.slice(-10))}`);
    });

    it("says which document a long prefill reads and how far it got", async () => {
        // The tiny model reads a long prompt within the spinner delay: show every request at once.
        api.models.activity.spinnerDelayMs = 0;
        try {
            const document = await vscode.workspace.openTextDocument({ language: "python", content: longPythonModule() });
            const name = document.uri.path.split("/").pop()!;
            const textsBefore = api.statusBar.recentTexts.length;
            const prefilled = nextMatchingEvent(api.prefill.onDidPrefill, (record) => record.uri === document.uri.toString() && record.result === "completed", 30_000, () => "no completed background prefill");
            await showAtEnd(document);
            const prefill = await prefilled;
            assert.ok((prefill.counters?.evaluatedTokens ?? 0) > 128, `a prefill of several chunks: ${JSON.stringify(prefill.counters)}`);
            const texts = api.statusBar.recentTexts.slice(textsBefore);
            const reading = texts.filter((text) => new RegExp(`Phi-2: reading ${name} \\d+%$`).test(text));
            assert.ok(reading.length >= 2, `progress texts while reading ${name}: ${JSON.stringify(texts)}`);
            const percents = reading.map((text) => Number(/(\d+)%$/.exec(text)![1]));
            assert.ok(percents.every((percent, index) => index === 0 || percent > percents[index - 1]!), `percents rise: ${percents.join(", ")}`);
            assert.match(api.statusBar.text, /Phi-2$/, "back to plain once the prefill is done");
        } finally {
            api.models.activity.spinnerDelayMs = SPINNER_DELAY_MS;
        }
    });

    it("shows the model's threads and context in the tooltip, and measured speeds when there are some", () => {
        const status = api.models.status;
        assert.equal(status.kind, "ready");
        if (status.kind !== "ready") return;
        assert.match(api.statusBar.tooltip, new RegExp(`1 thread, context ${status.info.contextSize} tokens`));
        // What the model manager measured so far (at load and from requests, depending on what ran before), or nothing yet.
        const measured = api.models.measuredSpeed;
        if (measured) assert.ok(api.statusBar.tooltip.includes(describeSpeeds(measured)), api.statusBar.tooltip);
        else assert.doesNotMatch(api.statusBar.tooltip, /Measured here/, "no speeds before they are measured");
        const view = { status, enabled: true, activity: api.models.activity.view };
        try {
            api.statusBar.update({ ...view, measuredSpeed: { promptTokensPerS: 18.46, generatedTokensPerS: 5.04 } });
            assert.match(api.statusBar.tooltip, /Measured here: prompt 18 tokens\/s, generation 5 tokens\/s/);
            api.statusBar.update({ ...view, measuredSpeed: { promptTokensPerS: 571.2, generatedTokensPerS: 123.4 } });
            assert.match(api.statusBar.tooltip, /prompt 571 tokens\/s, generation 123 tokens\/s/);
            api.statusBar.update(view);
            assert.doesNotMatch(api.statusBar.tooltip, /Measured here/, "no speeds line without measured speeds");
        } finally {
            api.statusBar.update({ ...view, measuredSpeed: api.models.measuredSpeed });
        }
    });
});
