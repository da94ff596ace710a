// A small ring of code the user recently edited or looked at in other files (like llama.vscode's
// ring of chunks): the lines around where the cursor was when the user left a file. A snippet
// that mostly repeats one already held (Jaccard similarity of their line sets above a threshold)
// replaces it instead of taking another place, so the ring holds different code.
//
// The ring changes only when the user moves to another file, not on keystrokes: it sits at the
// start of the prompt and every change costs a new prefill there.

export interface RecentSnippet {
    /** Path relative to the workspace root (posix separators). */
    readonly path: string;
    readonly lines: readonly string[];
}

export interface RecentSnippetsOptions {
    /** Snippets kept at most. */
    readonly capacity: number;
    /** Lines of a snippet: this many before and after the cursor line. */
    readonly radiusLines: number;
    /** Above this similarity two snippets count as the same code. */
    readonly similarityThreshold: number;
}

export const DEFAULT_RECENT_SNIPPETS: RecentSnippetsOptions = { capacity: 4, radiusLines: 12, similarityThreshold: 0.9 };

export class RecentSnippets {
    private snippets: RecentSnippet[] = [];

    constructor(private readonly options: RecentSnippetsOptions = DEFAULT_RECENT_SNIPPETS) {}

    /** Most recent first. */
    get all(): readonly RecentSnippet[] {
        return this.snippets;
    }

    /** Remembers the code around `line` of a file the user leaves (or saved, or edited). */
    remember(path: string, lineAt: (line: number) => string, lineCount: number, line: number): void {
        const start = Math.max(0, line - this.options.radiusLines);
        const end = Math.min(lineCount, line + this.options.radiusLines + 1);
        const lines: string[] = [];
        for (let index = start; index < end; index++) lines.push(lineAt(index));
        while (lines.length > 0 && lines[lines.length - 1].trim() === "") lines.pop();
        while (lines.length > 0 && lines[0].trim() === "") lines.shift();
        if (lines.length === 0) return;
        const snippet: RecentSnippet = { path, lines };
        const kept = this.snippets.filter((known) => jaccardSimilarity(known.lines, lines) <= this.options.similarityThreshold);
        this.snippets = [snippet, ...kept].slice(0, this.options.capacity);
    }

    forget(path: string): void {
        this.snippets = this.snippets.filter((snippet) => snippet.path !== path);
    }
}

/** |A ∩ B| / |A ∪ B| of the two snippets' sets of trimmed non-blank lines. */
export function jaccardSimilarity(a: readonly string[], b: readonly string[]): number {
    const setA = new Set(a.map((line) => line.trim()).filter((line) => line.length > 0));
    const setB = new Set(b.map((line) => line.trim()).filter((line) => line.length > 0));
    if (setA.size === 0 && setB.size === 0) return 1;
    let shared = 0;
    for (const line of setA) if (setB.has(line)) shared++;
    return shared / (setA.size + setB.size - shared);
}
