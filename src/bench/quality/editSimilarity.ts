// How close a suggestion is to what the user was going to type: 1 - Levenshtein distance / length
// of the longer text (1 for identical texts, 0 for nothing in common or one of them empty).

/** Levenshtein distance (insertions, deletions, substitutions of UTF-16 units), two-row dynamic programme. */
export function levenshteinDistance(a: string, b: string): number {
    if (a === b) return 0;
    if (a.length === 0) return b.length;
    if (b.length === 0) return a.length;
    let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
    let current = new Array<number>(b.length + 1);
    for (let i = 1; i <= a.length; i++) {
        current[0] = i;
        for (let j = 1; j <= b.length; j++) {
            const substitution = previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1);
            current[j] = Math.min(substitution, previous[j]! + 1, current[j - 1]! + 1);
        }
        [previous, current] = [current, previous];
    }
    return previous[b.length]!;
}

export function editSimilarity(actual: string, expected: string): number {
    const longer = Math.max(actual.length, expected.length);
    return longer === 0 ? 1 : 1 - levenshteinDistance(actual, expected) / longer;
}
