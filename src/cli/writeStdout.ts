/** Writes to stdout and resolves once the text is flushed, so a process exiting next loses none of it. */
export function writeStdout(text: string): Promise<void> {
    return new Promise((resolve, reject) => process.stdout.write(text, (error) => (error ? reject(error) : resolve())));
}
