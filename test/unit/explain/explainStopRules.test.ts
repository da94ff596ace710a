import assert from "node:assert/strict";
import {
    analyseExplanation,
    couldBecomeBlockMarker,
    ExplanationStreamFilter,
    isBlockMarker,
} from "../../../src/core/explain/explainStopRules";

/** Feeds `text` in chunks of `size` characters; returns the released chunks and the filter. */
function stream(text: string, size = 3): { chunks: string[]; filter: ExplanationStreamFilter } {
    const filter = new ExplanationStreamFilter();
    const chunks: string[] = [];
    for (let i = 0; i < text.length && !filter.stopped; i += size) {
        const released = filter.push(text.slice(i, i + size));
        if (released !== "") chunks.push(released);
    }
    const rest = filter.finish();
    if (rest !== "") chunks.push(rest);
    return { chunks, filter };
}

function explain(text: string, size = 3): { text: string; rule: string | undefined } {
    const { chunks, filter } = stream(text, size);
    assert.equal(chunks.join(""), filter.text, "the released chunks add up to the final text");
    return { text: filter.text, rule: filter.stoppedBy };
}

const ANSWER = "This function adds two numbers and returns the sum.";

describe("explain stop rules", () => {
    describe("<|endoftext|>", () => {
        it("cuts at the end-of-text marker, also when it arrives in pieces", () => {
            for (const size of [1, 2, 5, 100]) {
                assert.deepEqual(explain(`${ANSWER}<|endoftext|>Unrelated forum post.`, size), { text: ANSWER, rule: "endOfText" });
            }
        });

        it("keeps text that only looks like its beginning", () => {
            assert.deepEqual(explain("Use a < b or <| in Haskell."), { text: "Use a < b or <| in Haskell.", rule: undefined });
        });
    });

    describe("new block", () => {
        it("cuts at Instruct:, Exercise and Question blocks in their usual forms", () => {
            for (const marker of ["Instruct: Write a function", "Exercise 2: Modify", "Exercise:", "## Exercise", "**Question 1**: why", "Question:", "  Exercise 3", "Exercise"]) {
                const result = explain(`${ANSWER}\n\n${marker}\nmore text here`);
                assert.deepEqual(result, { text: ANSWER, rule: "newBlock" }, marker);
            }
        });

        it("keeps prose that merely starts with the same words", () => {
            const prose = `${ANSWER}\nExercises like this build intuition.\nQuestion whether the input can be empty.\nIn short: it adds.`;
            assert.deepEqual(explain(prose), { text: prose, rule: undefined });
        });

        it("keeps Python comments that look like markers inside code blocks, but not outside", () => {
            const text = "For example:\n```python\n# Question: what if b is negative?\nadd(1, -2)\n```\nIt still works.";
            assert.deepEqual(explain(text), { text, rule: undefined });
            assert.deepEqual(explain(`${ANSWER}\n# Question: what if b is negative?`), { text: ANSWER, rule: "newBlock" });
        });

        it("keeps the keywords in the middle of a line", () => {
            const prose = "It answers the Question: what is the total? Exercise care with floats.";
            assert.deepEqual(explain(prose), { text: prose, rule: undefined });
        });

        it("holds back a line while it could still become a marker, then releases it", () => {
            const filter = new ExplanationStreamFilter();
            assert.equal(filter.push(`${ANSWER}\nExer`), ANSWER);
            assert.equal(filter.push("cise caution"), "\nExercise caution");
            assert.equal(filter.finish(), "");
        });

        it("recognises markers and their beginnings", () => {
            assert.ok(isBlockMarker("### Question 12:"));
            assert.ok(!isBlockMarker("Instructions follow"));
            assert.ok(couldBecomeBlockMarker("**Exer"));
            assert.ok(couldBecomeBlockMarker("Exercise 1"));
            assert.ok(!couldBecomeBlockMarker("Example"));
            assert.ok(!couldBecomeBlockMarker("Exercise caution"));
        });
    });

    describe("repeated paragraphs", () => {
        it("cuts at a paragraph that repeats an earlier one", () => {
            const second = "It uses the + operator, so it also joins strings.";
            const result = explain(`${ANSWER}\n\n${second}\n\n${ANSWER}\n\n${second}\n\n`);
            assert.deepEqual(result, { text: `${ANSWER}\n\n${second}`, rule: "repeatedParagraph" });
        });

        it("compares paragraphs ignoring whitespace differences", () => {
            const result = explain(`${ANSWER}\n\nSecond part of it here.\n\n${ANSWER.replace(/ /g, "  ")}\n\nx`);
            assert.equal(result.rule, "repeatedParagraph");
            assert.equal(result.text, `${ANSWER}\n\nSecond part of it here.`);
        });

        it("keeps short paragraphs that repeat and paragraphs that only start alike", () => {
            const text = `For example:\n\n\`\`\`python\nadd(1, 2)\n\`\`\`\n\nFor example:\n\n\`\`\`python\nadd(3, 4)\n\`\`\`\n\n${ANSWER}\n\n${ANSWER.slice(0, 30)} but for floats.`;
            assert.deepEqual(explain(text), { text, rule: undefined });
        });

        it("keeps a paragraph that continues past an earlier one's text", () => {
            const text = `${ANSWER}\n\n${ANSWER}\nIt also handles negative numbers.`;
            assert.deepEqual(explain(text, 4), { text, rule: undefined });
        });

        it("cuts a repeat that ends the stream (no blank line after it)", () => {
            assert.deepEqual(explain(`${ANSWER}\n\nMore.\n\n${ANSWER}`), { text: `${ANSWER}\n\nMore.`, rule: "repeatedParagraph" });
        });
    });

    describe("repeated lines", () => {
        it("cuts a line that repeats the line before it", () => {
            const line = "The loop adds each value to the total.";
            assert.deepEqual(explain(`${line}\n${line}\n${line}\n`), { text: line, rule: "repeatedLine" });
        });

        it("keeps repeated lines inside code blocks", () => {
            const text = "Example:\n```python\nresult = add(first, second)\nresult = add(first, second)\n```";
            assert.deepEqual(explain(text), { text, rule: undefined });
        });
    });

    describe("streaming", () => {
        it("drops leading whitespace and never releases trailing whitespace early", () => {
            const filter = new ExplanationStreamFilter();
            assert.equal(filter.push(" \n"), "");
            assert.equal(filter.push(" This adds"), "This adds");
            assert.equal(filter.push(" \n\n"), "");
            assert.equal(filter.push("In"), "", "could become Instruct:");
            assert.equal(filter.push("deed"), " \n\nIndeed");
            assert.equal(filter.finish(), "");
            assert.equal(filter.text, "This adds \n\nIndeed");
        });

        it("releases the held tail when the stream ends without a rule", () => {
            const filter = new ExplanationStreamFilter();
            filter.push(`${ANSWER}\nQuest`);
            assert.equal(filter.text, ANSWER);
            assert.equal(filter.finish(), "\nQuest");
        });

        it("ignores text after a rule fired", () => {
            const filter = new ExplanationStreamFilter();
            filter.push(`${ANSWER}<|endoftext|>`);
            assert.equal(filter.push("more"), "");
            assert.equal(filter.finish(), "");
            assert.equal(filter.text, ANSWER);
        });

        it("takes the earliest of several cuts", () => {
            const analysis = analyseExplanation(`${ANSWER}\n\nExercise 1: x\n\n${ANSWER}<|endoftext|>`, true);
            assert.deepEqual(analysis.cut, { index: ANSWER.length + 2, rule: "newBlock" });
        });
    });
});
