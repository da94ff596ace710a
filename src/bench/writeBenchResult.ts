// How every benchmark hands over its result: the JSON object (`--json`) or the table on stdout,
// and the JSON written to `--out FILE` as well when asked.
import { writeFile } from "node:fs/promises";
import * as path from "node:path";
import { writeStdout } from "../cli/writeStdout";

export async function writeBenchResult<T>(result: T, output: { readonly json?: boolean; readonly out?: string }, formatTable: (result: T) => string): Promise<void> {
    const json = `${JSON.stringify(result, null, 2)}\n`;
    if (output.out !== undefined) await writeFile(path.resolve(output.out), json, "utf8");
    await writeStdout(output.json ? json : formatTable(result));
}
