// Text from outside (file paths, the model host's messages) goes to a terminal: control characters
// are shown as escapes, so an ANSI sequence cannot recolour or rewrite the screen and a newline in
// a path cannot forge a second "phi2-complete:" line.

/** C0 controls (newline and tab included), DEL and C1 controls. */
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f]/g;

export function terminalSafe(text: string): string {
    return text.replace(CONTROL_CHARACTERS, (character) => {
        const code = character.charCodeAt(0);
        return code === 0x0a ? "\\n" : code === 0x09 ? "\\t" : `\\x${code.toString(16).padStart(2, "0")}`;
    });
}
