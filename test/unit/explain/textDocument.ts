// A DocumentSnapshot over a string, for the explain unit tests.
import { createTextSnapshot } from "../../../src/core/python/textSnapshot";
import type { DocumentSnapshot } from "../../../src/core/types";

export function pythonDocument(text: string, uri = "file:///work/project/shapes.py"): DocumentSnapshot {
    return createTextSnapshot(text, { uri, indent: { insertSpaces: true, tabSize: 4 } });
}

/** Zero-based line of the first line containing `marker`. */
export function lineOf(text: string, marker: string): number {
    const line = text.split("\n").findIndex((candidate) => candidate.includes(marker));
    if (line < 0) throw new Error(`marker not found: ${marker}`);
    return line;
}
