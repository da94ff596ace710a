import * as assert from "node:assert/strict";
import type { Continuation, ContinuationEnd } from "../../../src/core/completion/CompletionEngine";
import { ContinuationReask, type ReaskCause } from "../../../src/core/completion/ContinuationReask";

/** A continuation whose line end and generation end the test decides. */
function scriptedContinuation(withLine = true): { continuation: Continuation; completeLine: () => void; end: (longer: boolean) => void } {
    let completeLine = (): void => undefined;
    let end = (_longer: boolean): void => undefined;
    const lineCompleted = withLine ? new Promise<void>((resolve) => (completeLine = resolve)) : undefined;
    const ended = new Promise<ContinuationEnd>((resolve) => {
        end = (longer) => resolve({ longer, text: "return a + b", counters: { promptTokens: 10, reusedTokens: 0, evaluatedTokens: 10, generatedTokens: 5, prefillMs: 1, generateMs: 1, totalMs: 2 } });
    });
    return { continuation: { ended, ...(lineCompleted ? { lineCompleted } : {}) }, completeLine, end };
}

/** Lets the promise reactions run. */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe("ContinuationReask: when the editor asks again for a first part's whole line or longer version", () => {
    it("asks once, at the line's end, and not again when the generation then ends with a longer version", async () => {
        const reask = new ContinuationReask<string>();
        const scripted = scriptedContinuation();
        const causes: ReaskCause["kind"][] = [];
        reask.follow("a.py", scripted.continuation, () => true, (cause) => causes.push(cause.kind));
        scripted.completeLine();
        await settle();
        assert.deepEqual(causes, ["lineCompleted"]);
        scripted.end(true);
        await settle();
        assert.deepEqual(causes, ["lineCompleted"]);
    });

    it("asks at the generation's end with its end when there is a longer version, and not when there is none", async () => {
        const reask = new ContinuationReask<string>();
        const longer = scriptedContinuation(false);
        const asked: ReaskCause[] = [];
        reask.follow("a.py", longer.continuation, () => true, (cause) => asked.push(cause));
        longer.end(true);
        await settle();
        assert.equal(asked.length, 1);
        assert.equal(asked[0]!.kind, "longer");
        assert.equal(asked[0]!.kind === "longer" && asked[0]!.end.text, "return a + b");

        const same = scriptedContinuation(false);
        reask.follow("b.py", same.continuation, () => true, (cause) => asked.push(cause));
        same.end(false);
        await settle();
        assert.equal(asked.length, 1);
    });

    it("an older answer's continuation stops asking once a newer answer for the same document is followed; other documents are apart", async () => {
        const reask = new ContinuationReask<string>();
        const older = scriptedContinuation();
        const newer = scriptedContinuation();
        const other = scriptedContinuation();
        const asked: string[] = [];
        reask.follow("a.py", older.continuation, () => true, () => asked.push("older"));
        reask.follow("b.py", other.continuation, () => true, () => asked.push("other"));
        reask.follow("a.py", newer.continuation, () => true, () => asked.push("newer"));
        older.completeLine();
        other.completeLine();
        await settle();
        assert.deepEqual(asked, ["other"]);
        newer.end(true);
        await settle();
        assert.deepEqual(asked, ["other", "newer"]);
    });

    it("does not ask when the user moved on, but still can at the end if they are back where it was shown", async () => {
        const reask = new ContinuationReask<string>();
        const scripted = scriptedContinuation();
        let there = false;
        const asked: string[] = [];
        reask.follow("a.py", scripted.continuation, () => there, (cause) => asked.push(cause.kind));
        scripted.completeLine();
        await settle();
        assert.deepEqual(asked, []);
        there = true;
        scripted.end(true);
        await settle();
        assert.deepEqual(asked, ["longer"]);
    });

    it("forget (Esc, a newer answer without a continuation, a closed document) drops the ask", async () => {
        const reask = new ContinuationReask<string>();
        const scripted = scriptedContinuation();
        const asked: string[] = [];
        reask.follow("a.py", scripted.continuation, () => true, (cause) => asked.push(cause.kind));
        reask.forget("a.py");
        scripted.completeLine();
        scripted.end(true);
        await settle();
        assert.deepEqual(asked, []);
    });

    it("onLineCompleted: false asks only at the generation's end (the replay's --no-line-reask)", async () => {
        const reask = new ContinuationReask<string>({ onLineCompleted: false });
        const scripted = scriptedContinuation();
        const asked: string[] = [];
        reask.follow("a.py", scripted.continuation, () => true, (cause) => asked.push(cause.kind));
        scripted.completeLine();
        await settle();
        assert.deepEqual(asked, []);
        scripted.end(true);
        await settle();
        assert.deepEqual(asked, ["longer"]);
    });
});
