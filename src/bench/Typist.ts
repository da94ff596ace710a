// The simulated person: types a target text character by character with a human rhythm, the way an
// editor turns keystrokes into edits (Enter inserts the newline plus the next line's indentation, an
// opening bracket gets its closer auto-inserted and typing that closer later types over it), and
// reacts to shown suggestions: accepts one that is what they were going to type, and for others
// sometimes accepts and undoes, or types a few of its characters and deletes them again, else
// types over it. Whatever happens, the document ends exactly as the original file.
import { scanPython } from "../core/python/pythonScanner";
import { SeededRandom } from "./seededRandom";
import { TypedDocument } from "./TypedDocument";
import type { DocumentState } from "./TypedDocument";

export type TypistAction =
    | { readonly kind: "type"; readonly text: string; readonly targetLength: number; readonly autoCloser?: { readonly char: string; readonly targetIndex: number } }
    | { readonly kind: "typeOver" }
    | { readonly kind: "accept"; readonly text: string; readonly matchesTarget: boolean; readonly keystrokes: number }
    | { readonly kind: "undo"; readonly state: DocumentState }
    | { readonly kind: "typeJunk"; readonly text: string }
    | { readonly kind: "backspace" };

export interface PlannedAction {
    readonly action: TypistAction;
    /** Pause before the action (from the previous action, or from a shown suggestion for a reaction). */
    readonly delayMs: number;
}

export type Reaction = "accept" | "acceptAndUndo" | "typeAlong" | "typeOver";

export interface TypistRhythm {
    /** Probability of accepting a wrong suggestion and undoing it. */
    readonly acceptAndUndo: number;
    /** Probability of typing a few characters of a wrong suggestion, then deleting them. */
    readonly typeAlong: number;
    /** Probability of a thinking pause before a keystroke. */
    readonly thinkPause: number;
    /** Shortest and longest thinking pause. */
    readonly thinkPauseMs: readonly [number, number];
    /**
     * Accept the part of a suggestion that matches what comes next when the whole does not: its
     * first line (one keystroke, VS Code's accept line) or its first words (one keystroke each,
     * accept word), whichever saves more.
     */
    readonly partialAccept?: boolean;
}

export const DEFAULT_RHYTHM: TypistRhythm = { acceptAndUndo: 0.1, typeAlong: 0.15, thinkPause: 0.04, thinkPauseMs: [1500, 4000] };

/** The user of the quality benchmark: accepts exactly what matches (whole or part), nothing else. */
export const EXACT_ACCEPTING_RHYTHM: TypistRhythm = { ...DEFAULT_RHYTHM, acceptAndUndo: 0, typeAlong: 0, partialAccept: true };

const OPENERS: Readonly<Record<string, string>> = { "(": ")", "[": "]", "{": "}" };

export class Typist {
    /** Next target character to type. */
    private index = 0;
    /** Auto-inserted closers after the cursor, innermost first: where they are in the target. */
    private readonly pendingClosers: { char: string; targetIndex: number }[] = [];
    private readonly reactions: PlannedAction[] = [];
    private previous: TypistAction | undefined;

    constructor(private readonly target: string, private readonly random: SeededRandom, private readonly rhythm: TypistRhythm = DEFAULT_RHYTHM) {}

    get finished(): boolean {
        return this.index >= this.target.length && this.reactions.length === 0;
    }

    get busyReacting(): boolean {
        return this.reactions.length > 0;
    }

    /** The next action and the pause before it; does not change state (perform does). */
    next(): PlannedAction | undefined {
        const reaction = this.reactions[0];
        if (reaction) return reaction;
        if (this.index >= this.target.length) return undefined;
        return { action: this.targetAction(), delayMs: this.pauseBefore() };
    }

    /** Applies an action returned by next() to the document. */
    perform(action: TypistAction, document: TypedDocument): void {
        if (this.reactions[0]?.action === action) this.reactions.shift();
        switch (action.kind) {
            case "type":
                document.insert(action.text);
                if (action.autoCloser) {
                    document.insertAfterCursor(action.autoCloser.char);
                    this.pendingClosers.unshift({ ...action.autoCloser });
                }
                this.index += action.targetLength;
                break;
            case "typeOver":
                document.moveRight();
                this.pendingClosers.shift();
                this.index++;
                break;
            case "accept":
                document.insert(action.text);
                if (action.matchesTarget) this.index += action.text.length;
                break;
            case "undo":
                document.restore(action.state);
                break;
            case "typeJunk":
                document.insert(action.text);
                break;
            case "backspace":
                document.deleteBackward(1);
                break;
        }
        this.previous = action;
    }

    /**
     * Decides what to do about a suggestion shown now. Returns the reaction; its actions are
     * queued ahead of the typing.
     */
    react(insertText: string, document: TypedDocument): Reaction {
        if (this.reactions.length > 0) return "typeOver";
        const remaining = this.target.slice(this.index, this.pendingClosers[0]?.targetIndex ?? this.target.length);
        if (insertText.length > 0 && remaining.startsWith(insertText)) {
            this.reactions.push({ action: { kind: "accept", text: insertText, matchesTarget: true, keystrokes: 1 }, delayMs: this.random.between(250, 500) });
            return "accept";
        }
        const partial = this.rhythm.partialAccept ? matchingPart(insertText, remaining) : undefined;
        if (partial) {
            this.reactions.push({ action: { kind: "accept", text: partial.text, matchesTarget: true, keystrokes: partial.keystrokes }, delayMs: this.random.between(250, 500) });
            return "accept";
        }
        if (insertText.length > 0 && remaining.length > 0 && insertText[0] === remaining[0]) return "typeOver"; // typing it anyway
        const roll = this.random.next();
        if (roll < this.rhythm.acceptAndUndo) {
            const state = document.save();
            this.reactions.push(
                { action: { kind: "accept", text: insertText, matchesTarget: false, keystrokes: 1 }, delayMs: this.random.between(300, 600) },
                { action: { kind: "undo", state }, delayMs: this.random.between(500, 1200) },
            );
            return "acceptAndUndo";
        }
        const firstLine = insertText.split("\n")[0]!;
        if (roll < this.rhythm.acceptAndUndo + this.rhythm.typeAlong && firstLine.length >= 2) {
            const count = this.random.integer(1, Math.min(5, firstLine.length - 1));
            for (let i = 0; i < count; i++) this.reactions.push({ action: { kind: "typeJunk", text: firstLine[i]! }, delayMs: this.keystrokeGap(i === 0 ? 250 : 0) });
            for (let i = 0; i < count; i++) this.reactions.push({ action: { kind: "backspace" }, delayMs: this.random.between(80, 160) });
            return "typeAlong";
        }
        return "typeOver";
    }

    private targetAction(): TypistAction {
        const target = this.target;
        const index = this.index;
        if (this.pendingClosers[0]?.targetIndex === index) return { kind: "typeOver" };
        const char = target[index]!;
        if (char === "\n") {
            // Enter: the editor puts the cursor at the next line's indentation.
            let end = index + 1;
            while (end < target.length && target[end] === " ") end++;
            return { kind: "type", text: target.slice(index, end), targetLength: end - index };
        }
        const closer = OPENERS[char];
        if (closer !== undefined) {
            const match = matchingCloserOnLine(target, index);
            if (match !== undefined) return { kind: "type", text: char, targetLength: 1, autoCloser: { char: closer, targetIndex: match } };
        }
        return { kind: "type", text: char, targetLength: 1 };
    }

    private pauseBefore(): number {
        const previous = this.previous;
        let extra = 0;
        if (previous?.kind === "type" && previous.text.startsWith("\n")) extra = this.random.between(300, 1200); // reading the line above
        else if (previous?.kind === "type" && (previous.text === ":" || previous.text === ",")) extra = this.random.between(50, 250);
        return this.keystrokeGap(extra);
    }

    private keystrokeGap(extra: number): number {
        const think = this.random.chance(this.rhythm.thinkPause) ? this.random.between(...this.rhythm.thinkPauseMs) : 0;
        const r = this.random.next();
        return Math.round(90 + 160 * r * r + extra + think);
    }
}

/** Keystrokes that typing `text` takes without any suggestion (Enter indents, closers are typed over). */
export function keystrokesToType(text: string): number {
    const typist = new Typist(text, new SeededRandom(0));
    const document = new TypedDocument("untitled:keystrokes", [""], { line: 0, character: 0 });
    let count = 0;
    for (let planned = typist.next(); planned; planned = typist.next()) {
        typist.perform(planned.action, document);
        count++;
    }
    return count;
}

/** Word-by-word acceptance takes a word and the non-word characters before it per keystroke. */
const ACCEPT_WORD = /^\W*\w+/;

/**
 * The largest part of `suggestion` that starts `remaining` and can be accepted in pieces, with the
 * keystrokes it costs: its first line without the line break (when the suggestion has more; the
 * user presses Enter, which also indents), or its first whole words.
 * Undefined when no part saves a keystroke over typing it.
 */
export function matchingPart(suggestion: string, remaining: string): { text: string; keystrokes: number } | undefined {
    const newline = suggestion.indexOf("\n");
    if (newline > 1 && remaining.startsWith(suggestion.slice(0, newline + 1))) {
        return { text: suggestion.slice(0, newline), keystrokes: 1 };
    }
    let taken = 0;
    let words = 0;
    for (;;) {
        const word = ACCEPT_WORD.exec(suggestion.slice(taken, newline < 0 ? undefined : newline));
        if (!word || !remaining.startsWith(suggestion.slice(0, taken + word[0].length))) break;
        taken += word[0].length;
        words++;
    }
    return taken > words ? { text: suggestion.slice(0, taken), keystrokes: words } : undefined;
}

/**
 * Index of the bracket closing the one at `openIndex`, when it is on the same line and the opener
 * is code (not in a string or comment, where editors do not auto-close).
 */
function matchingCloserOnLine(text: string, openIndex: number): number | undefined {
    const lineStart = text.lastIndexOf("\n", openIndex - 1) + 1;
    const newline = text.indexOf("\n", openIndex);
    const line = text.slice(lineStart, newline < 0 ? text.length : newline);
    const opener = openIndex - lineStart;
    let openerIsCode = false;
    let depth = 0;
    let closer: number | undefined;
    scanPython(line, {
        code: (char, index) => {
            if (index < opener) return undefined;
            if (index === opener) openerIsCode = true;
            if (!openerIsCode) return false;
            if (char === "(" || char === "[" || char === "{") depth++;
            else if ((char === ")" || char === "]" || char === "}") && --depth === 0) {
                closer = lineStart + index;
                return false;
            }
            return undefined;
        },
    });
    return closer;
}
