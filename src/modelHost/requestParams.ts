// The host's check of a request's params as they arrive over IPC (any JSON at all): each method's
// parser returns its params typed by the protocol's method table, or throws BAD_REQUEST, so the
// engine only ever sees well-formed requests and no handler needs a cast.
import type { RequestPriority } from "../core/textGenerator";
import { normalizeGpuMode, type GenerateParams, type HostMethod, type HostMethods, type LoadParams, type PrefillParams } from "../protocol/modelHostProtocol";
import { HostFailure } from "./engine/HostFailure";

type RawParams = Readonly<Record<string, unknown>>;

/**
 * Every key of a params type, optional ones included (their value may be undefined): a parser
 * returns this, so a field added to the protocol does not compile until it is parsed here (instead
 * of being dropped on its way into the host).
 */
type AllKeys<T> = { [K in keyof Required<T>]: T[K] };

/** One parser per method of the table: a method without one does not compile. */
export type ParamsParsers = { readonly [M in HostMethod]: (raw: RawParams) => HostMethods[M]["params"] };

export const parseParams: ParamsParsers = {
    load: parseLoadParams,
    generate: parseGenerateParams,
    prefill: parsePrefillParams,
    tokenize: (raw) => ({ text: requireString(raw, "text") }),
    stats: () => ({}),
};

function parseLoadParams(raw: RawParams): AllKeys<LoadParams> {
    const modelPath = requireString(raw, "modelPath");
    const gpu = raw.gpu;
    if (typeof gpu !== "string" || normalizeGpuMode(gpu) === undefined) {
        throw new HostFailure("BAD_REQUEST", `gpu must be one of auto, cpu, cuda, vulkan, metal (got ${String(gpu)}).`);
    }
    return {
        modelPath,
        gpu: gpu as LoadParams["gpu"],
        threads: requirePositiveInteger(raw, "threads"),
        contextSize: requirePositiveInteger(raw, "contextSize"),
        sequences: requirePositiveInteger(raw, "sequences"),
        prefillChunkTokens: raw.prefillChunkTokens === undefined ? undefined : requirePositiveInteger(raw, "prefillChunkTokens"),
        speculativeLookup: optionalBoolean(raw, "speculativeLookup"),
        threadCandidates: optionalThreadCandidates(raw),
        kvCacheBudgetMb: optionalNonNegativeNumber(raw, "kvCacheBudgetMb"),
        shiftWindow: optionalBoolean(raw, "shiftWindow"),
    };
}

function optionalBoolean(raw: RawParams, name: string): boolean | undefined {
    const value = raw[name];
    if (value !== undefined && typeof value !== "boolean") throw new HostFailure("BAD_REQUEST", `${name} must be true or false.`);
    return value;
}

function optionalThreadCandidates(raw: RawParams): readonly number[] | undefined {
    const candidates = raw.threadCandidates;
    if (candidates === undefined) return undefined;
    if (!Array.isArray(candidates) || candidates.length > 16 || !candidates.every((count) => Number.isInteger(count) && count >= 1 && count <= 256)) {
        throw new HostFailure("BAD_REQUEST", "threadCandidates must be a list of up to 16 thread counts (1-256).");
    }
    return candidates as number[];
}

function optionalNonNegativeNumber(raw: RawParams, name: string): number | undefined {
    const value = optionalNumber(raw, name);
    if (value !== undefined && value < 0) throw new HostFailure("BAD_REQUEST", `${name} must be a non-negative number.`);
    return value;
}

function parseGenerateParams(raw: RawParams): AllKeys<GenerateParams> {
    const stopStrings = raw.stopStrings;
    if (stopStrings !== undefined && !(Array.isArray(stopStrings) && stopStrings.every((stop) => typeof stop === "string"))) {
        throw new HostFailure("BAD_REQUEST", "stopStrings must be an array of strings.");
    }
    return {
        sequenceKey: requireString(raw, "sequenceKey"),
        prompt: requireString(raw, "prompt"),
        maxTokens: requirePositiveInteger(raw, "maxTokens"),
        timeCapMs: optionalNumber(raw, "timeCapMs"),
        temperature: optionalNumber(raw, "temperature"),
        seed: optionalNumber(raw, "seed"),
        stopStrings: stopStrings as readonly string[] | undefined,
        priority: optionalPriority(raw),
    };
}

function parsePrefillParams(raw: RawParams): AllKeys<PrefillParams> {
    return { sequenceKey: requireString(raw, "sequenceKey"), prompt: requireString(raw, "prompt"), priority: optionalPriority(raw) };
}

function requireString(raw: RawParams, name: string): string {
    const value = raw[name];
    if (typeof value !== "string") throw new HostFailure("BAD_REQUEST", `${name} must be a string.`);
    return value;
}

function requirePositiveInteger(raw: RawParams, name: string): number {
    const value = raw[name];
    if (typeof value !== "number" || !Number.isInteger(value) || value < 1) {
        throw new HostFailure("BAD_REQUEST", `${name} must be a positive integer (got ${String(value)}).`);
    }
    return value;
}

function optionalNumber(raw: RawParams, name: string): number | undefined {
    const value = raw[name];
    if (value === undefined) return undefined;
    if (typeof value !== "number" || !Number.isFinite(value)) throw new HostFailure("BAD_REQUEST", `${name} must be a number.`);
    return value;
}

function optionalPriority(raw: RawParams): RequestPriority | undefined {
    const value = raw.priority;
    if (value === undefined || value === "foreground" || value === "background") return value;
    throw new HostFailure("BAD_REQUEST", `priority must be "foreground" or "background".`);
}
