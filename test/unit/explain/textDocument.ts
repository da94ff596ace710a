// A DocumentSnapshot over a string, for the explain unit tests.
import type { DocumentSnapshot } from "../../../src/core/types";

export function pythonDocument(text: string, uri = "file:///work/project/shapes.py"): DocumentSnapshot {
    const lines = text.split("\n");
    return {
        uri,
        languageId: "python",
        version: 1,
        lineCount: lines.length,
        lineAt: (line: number) => {
            if (line < 0 || line >= lines.length) throw new RangeError(`line ${line} outside 0..${lines.length - 1}`);
            return lines[line];
        },
        eol: "\n",
        indent: { insertSpaces: true, tabSize: 4 },
    };
}

/** Zero-based line of the first line containing `marker`. */
export function lineOf(text: string, marker: string): number {
    const line = text.split("\n").findIndex((candidate) => candidate.includes(marker));
    if (line < 0) throw new Error(`marker not found: ${marker}`);
    return line;
}
