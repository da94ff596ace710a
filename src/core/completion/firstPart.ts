// What of a generation still running can be shown already. On a CPU, Phi-2 writes a few tokens a
// second: a whole block takes tens of seconds, and even one line can outlast a pause. So a
// suggestion is shown in parts: the first complete line of a block as soon as it is there, or,
// once the latency budget is spent, whatever the model has written so far; the generation goes on,
// and the longer version is offered when it is ready (the user may have typed into the first part
// meanwhile: typed-ahead continues into it).
import type { CompletionMode } from "./completionMode";

/**
 * The first line of `text` that has content, without its line break, when that line is complete
 * (a line break follows it); undefined while it is still being written. Leading blank lines (the
 * newline after `def f():`) belong to it.
 */
export function completeFirstLine(text: string): string | undefined {
    const content = text.search(/\S/);
    if (content < 0) return undefined;
    const end = text.indexOf("\n", content);
    return end < 0 ? undefined : text.slice(0, end);
}

/**
 * The part of a running generation's text that may be shown now, undefined when nothing yet:
 * - a multi-line suggestion's complete first line (`firstLineReady`: it has been worth waiting for);
 * - once `budgetSpent`, the complete first line or, before it, what there is (a partial line
 *   beats no ghost text at all in a pause).
 */
export function shownPart(text: string, mode: CompletionMode, firstLineReady: boolean, budgetSpent: boolean): string | undefined {
    const firstLine = completeFirstLine(text);
    if (firstLine !== undefined && (budgetSpent || (firstLineReady && mode === "multiLine"))) return firstLine;
    if (!budgetSpent) return undefined;
    return text.trim().length > 0 ? text : undefined;
}
