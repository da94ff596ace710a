// The model host's CPU thread count when the user sets none (phi2.threads 0, no --threads):
// node-llama-cpp's own default (at least 4) oversubscribes small machines, and more threads than
// cores makes generation many times slower. One core is left for the editor.
import * as os from "node:os";

export function defaultThreadCount(): number {
    const cores = typeof os.availableParallelism === "function" ? os.availableParallelism() : os.cpus().length;
    return Math.max(1, cores - 1);
}
