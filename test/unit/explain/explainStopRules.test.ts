import assert from "node:assert/strict";
import {
    analyseExplanation,
    couldBecomeBlockMarker,
    ExplanationStreamFilter,
    isBlockMarker,
    phraseLoop,
    repeatedSentence,
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

    describe("repeated sentences", () => {
        it("cuts a sentence loop within a paragraph, also streamed token by token", () => {
            const cycle = "The function takes two numbers a and b. It returns the sum of both numbers.";
            for (const size of [1, 4, 200]) {
                assert.deepEqual(explain(`${cycle} ${cycle} ${cycle}`, size), { text: cycle, rule: "repeatedSentence" }, `chunks of ${size}`);
            }
        });

        it("never releases the start of a repeat that then completes", () => {
            const { chunks } = stream(`${ANSWER} ${ANSWER} And more.`, 1);
            assert.equal(chunks.join(""), ANSWER);
        });

        it("keeps short sentences that repeat, sentences that only start alike, and restatements in a later paragraph", () => {
            const text = `It returns None. It returns None. ${ANSWER} This function adds two numbers but rounds them first.\n\n${ANSWER} It also handles negative numbers.`;
            assert.deepEqual(explain(text), { text, rule: undefined });
        });

        it("keeps repeated statements inside code blocks", () => {
            const text = "Example:\n```python\ntotal = add(first, second) + 1\nprint(total)\ntotal = add(first, second) + 1\n```\nDone.";
            assert.deepEqual(explain(text), { text, rule: undefined });
        });

        it("holds an unfinished sentence back only while it repeats an earlier one", () => {
            assert.deepEqual(repeatedSentence(`${ANSWER} This function adds`, false), { holdFrom: ANSWER.length + 1 });
            assert.deepEqual(repeatedSentence(`${ANSWER} This function multiplies`, false), {});
            assert.deepEqual(repeatedSentence(`${ANSWER} ${ANSWER}`, true), { cut: ANSWER.length + 1 });
        });
    });

    describe("phrase loops", () => {
        it("cuts a phrase repeated three times in a row where its third copy starts, also streamed", () => {
            const text = "It returns the total of the values of the values of the values of the values of";
            for (const size of [1, 2, 200]) {
                assert.deepEqual(explain(text, size), { text: "It returns the total of the values of the values", rule: "phraseLoop" }, `chunks of ${size}`);
            }
        });

        it("cuts a loop of one long word", () => {
            assert.deepEqual(explain("It calls normalisation normalisation normalisation normalisation."), { text: "It calls normalisation normalisation", rule: "phraseLoop" });
        });

        it("keeps a phrase said twice, short repeats and repeats in code", () => {
            for (const text of [
                "It checks the input, checks the input again after the call, and returns.",
                "Use it again and again and again.",
                "It sorts the list. It sorts the list in place.",
                "```python\nvalues = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]\nvalues = [0, 0, 0, 0]\n```",
            ]) {
                assert.deepEqual(explain(text), { text, rule: undefined }, text);
            }
        });

        it("holds what follows two copies back until the next words decide", () => {
            const text = "It returns the values of the values of ";
            assert.deepEqual(phraseLoop(text, false), { holdFrom: text.trimEnd().length });
            assert.deepEqual(phraseLoop(`${text}the val`, false), { holdFrom: text.trimEnd().length });
            assert.deepEqual(phraseLoop(`${text}the list.`, true), {});
            assert.deepEqual(explain(`${text}the list.`, 1), { text: `${text}the list.`, rule: undefined });
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
