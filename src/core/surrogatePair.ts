// UTF-16 positions (VS Code's and the CLI's columns) can fall between the two code units of one
// character (an emoji, say). Nothing may be inserted there: it would split the character in two.

/** True when a position before code unit `index` of `text` would split a surrogate pair. */
export function splitsSurrogatePair(text: string, index: number): boolean {
    const before = text.charCodeAt(index - 1);
    const after = text.charCodeAt(index);
    return before >= 0xd800 && before <= 0xdbff && after >= 0xdc00 && after <= 0xdfff;
}
