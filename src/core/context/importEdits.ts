// Whether an edit can change a document's top-level import statements. The project context is
// keyed by those statements, and finding them scans the whole document (~13 ms for 2,600 lines,
// ~60 ms for 50,000): an ordinary keystroke below the imports must not pay for that.
export interface LineEdit {
    /** First and last line of the replaced range, in the document before the edit. */
    readonly startLine: number;
    readonly endLine: number;
    readonly insertedText: string;
    /** The text of `startLine` after the edit. */
    readonly lineAfter: string;
}

/**
 * True when the edit touches the import statements (at or above the last line of the last one),
 * removes or adds lines, opens or closes a string or a continuation (which moves what counts as
 * top-level), or makes its line a new import. Deleting a quote below the imports can in theory
 * reveal an import-looking line inside a former string; that leaves the context one import behind
 * until the next such edit or save, never a wrong prompt.
 */
export function editMayChangeImports(edit: LineEdit, lastImportLine: number): boolean {
    if (edit.startLine <= lastImportLine || edit.endLine !== edit.startLine) return true;
    if (/[\r\n"'\\]/.test(edit.insertedText)) return true;
    return /^(?:import|from)\b/.test(edit.lineAfter);
}
