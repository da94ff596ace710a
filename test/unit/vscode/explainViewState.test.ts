// The explain panel's presenter: for each point of a run (waiting for the model, reading the code,
// text chunks, the stop reasons, an error mid-stream, Stop, Explain Again) the state the panel shows.
import * as assert from "node:assert/strict";
import { buildExplainJob, type ExplainJob } from "../../../src/core/explain/explainPrompt";
import { EMPTY_VIEW_STATE, presentExplanation, type ExplainRunView } from "../../../src/vscode/explainViewState";
import { describeExplainFailure, describeExplainModelError, EXPLAIN_MESSAGES } from "../../../src/vscode/modelErrors";
import { pythonDocument } from "../explain/textDocument";

function job(maxTokens = 300): ExplainJob {
    const built = buildExplainJob(pythonDocument("def add(a, b):\n    return a + b\n"), { line: 1, character: 0 }, undefined, { maxTokens, contextTokens: 2048 });
    assert.ok(built);
    return built;
}

function present(run: ExplainRunView, options: { job?: ExplainJob; hasTarget?: boolean } = {}) {
    return presentExplanation({ job: options.job ?? job(), run, hasTarget: options.hasTarget ?? true });
}

describe("the explain panel's view state", () => {
    it("says where the explained code is", () => {
        assert.deepEqual(present({ kind: "idle" }).source, { title: "Function add()", detail: "shapes.py, lines 1-2" });
    });

    it("start: waits for a loading model with its percentage, and offers Stop but not Explain Again", () => {
        const view = present({ kind: "waiting", model: { kind: "loading", progress: 0.42 } });
        assert.equal(view.status, "waiting");
        assert.equal(view.statusText, "Waiting for the Phi-2 model to load (42%). The explanation starts when it is ready.");
        assert.equal(view.canStop, true);
        assert.equal(view.canExplainAgain, false);
        assert.equal(view.canCopy, false);
        assert.match(present({ kind: "waiting", model: { kind: "restarting" } }).statusText, /^The model process is restarting\./);
        assert.match(present({ kind: "waiting", model: { kind: "starting" } }).statusText, /^Starting the Phi-2 model\./);
    });

    it("before the first words: how far the model read the prompt", () => {
        assert.equal(present({ kind: "session", status: "streaming", text: "" }).statusText, "Reading the code...");
        const reading = present({ kind: "session", status: "streaming", text: "", prefillProgress: { evaluatedTokens: 128, tokensToEvaluate: 512 } });
        assert.equal(reading.statusText, "Reading the code: 25% of 512 tokens...");
        assert.equal(reading.status, "streaming");
    });

    it("text chunks: the Markdown so far, Copy on, Explain Again off while it streams", () => {
        const view = present({ kind: "session", status: "streaming", text: "Adds **two** numbers" });
        assert.equal(view.statusText, "Explaining...");
        assert.deepEqual(view.tree, [{ tag: "p", children: ["Adds ", { tag: "strong", children: ["two"] }, " numbers"] }]);
        assert.equal(view.canCopy, true);
        assert.equal(view.canStop, true);
        assert.equal(view.canExplainAgain, false);
    });

    it("done: Explain Again on; an empty explanation says what to try", () => {
        const done = present({ kind: "session", status: "done", text: "Adds two numbers." });
        assert.deepEqual([done.status, done.statusText, done.canStop, done.canExplainAgain], ["done", "Done", false, true]);
        assert.equal(present({ kind: "session", status: "done", text: "" }).statusText, "Done: Phi-2 wrote no explanation. Try Explain Again or select less code.");
        assert.equal(present({ kind: "session", status: "done", text: "x" }, { hasTarget: false }).canExplainAgain, false);
    });

    it("the length cap adds a note, and a note says when the code was trimmed", () => {
        const capped = present({ kind: "session", status: "done", text: "Adds", reachedLengthCap: true }, { job: job(48) });
        assert.deepEqual(capped.notes, ["The explanation reached the length limit (phi2.explain.maxTokens = 48) and may end mid-sentence."]);
        assert.deepEqual(present({ kind: "session", status: "done", text: "Adds" }).notes, []);
        const long = { ...job(), trimmed: { shownEndLine: 9, omittedLines: 30, budgetTokens: 100 } };
        assert.deepEqual(present({ kind: "idle" }, { job: long }).notes, ["The code is too long for one explanation: only its first 10 lines (lines 1-10) were sent; 30 more lines were left out."]);
    });

    it("Stop while streaming keeps the text", () => {
        const view = present({ kind: "session", status: "stopped", text: "Adds two" });
        assert.deepEqual([view.status, view.statusText, view.canCopy, view.canStop, view.canExplainAgain], ["stopped", "Stopped", true, false, true]);
    });

    it("Stop while waiting for the model: an error box with Retry, titled Stopped", () => {
        const view = present({ kind: "failed", message: EXPLAIN_MESSAGES.stoppedWhileWaiting, actions: ["retry"], stopped: true });
        assert.equal(view.status, "error");
        assert.equal(view.statusText, "Stopped");
        assert.deepEqual(view.error, { message: "Stopped before the model was ready.", actions: [{ id: "retry", label: "Retry" }] });
    });

    it("an error mid-stream keeps the partial text and says it is incomplete", () => {
        const failure = describeExplainFailure(Object.assign(new Error("model host exited (signal SIGKILL)"), { code: "HOST_EXITED" }), true);
        const view = present({ kind: "failed", ...failure, stopped: false, shown: { text: "Adds two" } });
        assert.equal(view.statusText, "Error");
        assert.equal(view.canCopy, true);
        assert.match(view.error?.message ?? "", /stopped while explaining \(model host exited \(signal SIGKILL\)\).*The explanation above is incomplete\.$/);
        assert.deepEqual(view.error?.actions, [{ id: "retry", label: "Retry" }, { id: "showLogs", label: "Show Logs" }]);
    });

    it("a model in error: Retry first, then the model's own actions the panel can offer", () => {
        const report = describeExplainModelError("MODEL_NOT_FOUND", "No file at /m.gguf.", "/m.gguf");
        assert.deepEqual(report.actions, ["retry", "downloadModel", "selectModelFile", "showLogs"]);
        // The download page and the server settings are not panel buttons.
        assert.deepEqual(describeExplainModelError("UNREACHABLE", "down", "").actions, ["retry", "restartModel", "showLogs"]);
        const view = present({ kind: "failed", ...report, stopped: false });
        assert.deepEqual(view.error?.actions.map((action) => action.label), ["Retry", "Download Phi-2", "Select Model File...", "Show Logs"]);
        assert.deepEqual(view.tree, []);
    });

    it("idle (nothing run yet) shows nothing but the source", () => {
        const view = present({ kind: "idle" }, { hasTarget: false });
        assert.deepEqual({ ...view, source: undefined }, { ...EMPTY_VIEW_STATE, source: undefined, canStop: true });
    });
});
