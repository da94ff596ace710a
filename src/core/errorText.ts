// The one way an unknown thrown value becomes text for a message or a log line: an Error's own
// message (not its stack or class name), anything else as String() gives it.

export function errorText(error: unknown): string {
    return error instanceof Error ? error.message : String(error);
}
