// Deterministic weights for a tiny Phi-2 whose greedy decoding replays given token scripts.
//
// The network is a back-off n-gram table over the current token and the two before it.
// The 64 embedding dimensions are split into blocks:
//   O     [0, 24)   what to emit: the unit "target code" of the next token, scaled
//   CUR   [24, 34)  identity of the current token, only for tokens whose successor depends on context
//   SRC   [34, 44)  the code a token hands to the tokens after it (only for tokens some rule looks at)
//   P1    [44, 54)  the SRC code of the previous token, copied there by layer 0, head 0
//   P2    [54, 64)  the SRC code of the token before that, copied by layer 0, head 1
// - The embedding of token a puts the target code of its default successor into O.
// - Layer 0's heads 0 and 1 attend only to distance 1 and 2 (rotary Q/K from biases alone) and copy
//   SRC into P1 and P2. All other attention weights and layer 0's FFN are zero.
// - Layer 1's FFN holds the rules "(p1, a) -> t" and "(p2, p1, a) -> t": a pair of units per rule
//   detects the codes in CUR/P1/P2 and adds an exact, saturated amount (GELU(z) - GELU(z - c) = c)
//   that moves O from the target code of the fallback successor to that of t.
// - output.weight row v is token v's target code (zero for tokens never emitted, which also get a
//   large negative output.bias), so the argmax is the token whose code O carries.
// Every script state is checked by simulating the forward pass before the weights are returned.
import { WeightRandom } from "./WeightRandom";
import { createNeutralPhi2Weights, type Phi2Weights, TINY_PHI2 } from "./tinyPhi2";
import { END_OF_TEXT_TOKEN } from "./phi2Vocabulary";

const E = TINY_PHI2.embedding;
const BLOCK = {
    target: { start: 0, size: 24 },
    current: { start: 24, size: 10 },
    source: { start: 34, size: 10 },
    previous1: { start: 44, size: 10 },
    previous2: { start: 54, size: 10 },
} as const;
/** Magnitudes of the blocks in a token's embedding. */
const TARGET_SCALE = 4;
const CURRENT_SCALE = 4;
const SOURCE_SCALE = 4;
/** Rotary amplitudes (per frequency pair) of the look-back heads, in attention-score units (see layer 0 below). */
const LOOK_BACK_ATTENTION_AMPLITUDES = [60, 150, 150, 150];
/** A rule's two units: z and z - RULE_STEP, so a firing rule adds exactly RULE_STEP times its down column. */
const RULE_STEP = 20;
/** Matching states get z >= RULE_STEP + 10 and others z <= -10: where ggml's GELU is exactly x, resp. 0. */
const RULE_FIRE_MARGIN = 10;
const NEVER_EMITTED_BIAS = -100;
/** Logit gap between the scripted token and the runner-up, for the weakest script state. */
const MIN_LOGIT_MARGIN = 8;

/** A token with its text, for error messages. */
export type DescribeToken = (token: number) => string;

export class ScriptConflictError extends Error {
    override name = "ScriptConflictError";
}

/** What follows `current` after `previous1` (the token just before) and `previous2`; undefined where a script starts. */
export interface Transition {
    readonly previous2: number | undefined;
    readonly previous1: number | undefined;
    readonly current: number;
    readonly next: number;
}

export interface Rule {
    /** Undefined for a rule on (previous1, current) alone. */
    readonly previous2: number | undefined;
    readonly previous1: number;
    readonly current: number;
    readonly next: number;
}

export interface ScriptPlan {
    readonly transitions: readonly Transition[];
    readonly defaultNext: ReadonlyMap<number, number>;
    /** Pair rules first, then triple rules. */
    readonly rules: readonly Rule[];
    /** Every token that is ever emitted (script tokens after the first, and <|endoftext|>). */
    readonly targets: readonly number[];
}

function mostFrequent(values: readonly number[]): number {
    const counts = new Map<number, number>();
    for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
    let best = values[0];
    for (const [value, count] of counts) if (count > counts.get(best)!) best = value;
    return best;
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
    const groups = new Map<string, T[]>();
    for (const item of items) {
        const group = groups.get(key(item)) ?? [];
        group.push(item);
        groups.set(key(item), group);
    }
    return groups;
}

/**
 * Collects the transitions of the tokenized scripts (each followed by <|endoftext|>) and turns the
 * context-dependent ones into back-off rules. Throws ScriptConflictError when the same three
 * tokens need two different successors, which this model cannot represent.
 */
export function planScripts(scripts: readonly (readonly number[])[], describe: DescribeToken): ScriptPlan {
    const transitions: Transition[] = [];
    const seen = new Map<string, Transition>();
    for (const [scriptIndex, tokens] of scripts.entries()) {
        if (tokens.length === 0) throw new Error(`Script ${scriptIndex} is empty`);
        tokens.forEach((current, index) => {
            const transition: Transition = {
                previous2: index >= 2 ? tokens[index - 2] : undefined,
                previous1: index >= 1 ? tokens[index - 1] : undefined,
                current,
                next: index + 1 < tokens.length ? tokens[index + 1] : END_OF_TEXT_TOKEN,
            };
            const key = `${transition.previous2 ?? "start"}:${transition.previous1 ?? "start"}:${current}`;
            const earlier = seen.get(key);
            if (earlier === undefined) {
                seen.set(key, transition);
                transitions.push(transition);
            } else if (earlier.next !== transition.next) {
                const context = [transition.previous2, transition.previous1].filter((token) => token !== undefined).map((token) => describe(token!));
                throw new ScriptConflictError(
                    `Scripted model conflict: token ${describe(current)} ` +
                    `${context.length > 0 ? `after ${context.join(" ")}` : "at the start of a script"}` +
                    `${context.length === 1 ? " (at the start of a script)" : ""} is followed by both ` +
                    `${describe(earlier.next)} and ${describe(transition.next)}. The tiny model only looks at the ` +
                    `current token and the two before it; change the script so these tokens are not repeated with different continuations.`,
                );
            }
        });
    }

    const defaultNext = new Map<number, number>();
    const pairRules: Rule[] = [];
    const tripleRules: Rule[] = [];
    for (const [, sameCurrent] of groupBy(transitions, (t) => `${t.current}`)) {
        // Where a script starts, the tokens before are unknown, so only the fallbacks apply there.
        const atStart = sameCurrent.find((t) => t.previous1 === undefined);
        const current = sameCurrent[0].current;
        const fallback = atStart?.next ?? mostFrequent(sameCurrent.map((t) => t.next));
        defaultNext.set(current, fallback);
        for (const [, samePair] of groupBy(sameCurrent.filter((t) => t.previous1 !== undefined), (t) => `${t.previous1}`)) {
            const pairStart = samePair.find((t) => t.previous2 === undefined);
            const pairNext = pairStart?.next ?? mostFrequent(samePair.map((t) => t.next));
            const previous1 = samePair[0].previous1!;
            if (pairNext !== fallback) pairRules.push({ previous2: undefined, previous1, current, next: pairNext });
            for (const transition of samePair) {
                if (transition.previous2 !== undefined && transition.next !== pairNext) {
                    tripleRules.push({ previous2: transition.previous2, previous1, current, next: transition.next });
                }
            }
        }
    }
    const targets = [...new Set([...transitions.map((t) => t.next), END_OF_TEXT_TOKEN])];
    return { transitions, defaultNext, rules: [...pairRules, ...tripleRules], targets };
}

/** Zero-mean unit codes in a block of size d: ±(e_i - 1/d), 2d of them, pairwise cosine <= 1/(d-1). */
function simplexCode(size: number, index: number): Float64Array {
    const code = new Float64Array(size);
    const sign = index < size ? 1 : -1;
    const axis = index % size;
    const norm = Math.sqrt((size - 1) / size);
    for (let i = 0; i < size; i++) code[i] = (sign * ((i === axis ? 1 : 0) - 1 / size)) / norm;
    return code;
}

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
    let sum = 0;
    for (let i = 0; i < a.length; i++) sum += a[i] * b[i];
    return sum;
}

function normalizeZeroMean(vector: Float64Array): void {
    let mean = 0;
    for (const value of vector) mean += value / vector.length;
    for (let i = 0; i < vector.length; i++) vector[i] -= mean;
    const norm = Math.sqrt(dot(vector, vector));
    for (let i = 0; i < vector.length; i++) vector[i] /= norm;
}

/**
 * Zero-mean unit target codes, as far apart as practical (their cosine bounds the logit margin):
 * simplex codes while they last, else random codes pushed apart for a few steps.
 */
function spreadTargetCodes(count: number, size: number, random: WeightRandom): Float64Array[] {
    if (count <= 2 * size) return Array.from({ length: count }, (_, index) => simplexCode(size, index));
    const codes = Array.from({ length: count }, () => {
        const code = Float64Array.from({ length: size }, () => random.normal());
        normalizeZeroMean(code);
        return code;
    });
    const force = new Float64Array(size);
    for (let step = 0; step < 60; step++) {
        for (let i = 0; i < count; i++) {
            force.fill(0);
            for (let j = 0; j < count; j++) {
                if (j === i) continue;
                const cosine = dot(codes[i], codes[j]);
                if (cosine <= 0) continue;
                const push = cosine ** 3;
                for (let k = 0; k < size; k++) force[k] += push * codes[j][k];
            }
            for (let k = 0; k < size; k++) codes[i][k] -= 0.2 * force[k];
            normalizeZeroMean(codes[i]);
        }
    }
    return codes;
}

/**
 * Gives SRC codes to the tokens rules look back at. Tokens seen at the same distance before the
 * same current token get distinct codes (greedy colouring), so a rule never mistakes one for another.
 */
function assignSourceCodes(plan: ScriptPlan, describe: DescribeToken): Map<number, number> {
    const coded = new Set<number>();
    for (const rule of plan.rules) {
        coded.add(rule.previous1);
        if (rule.previous2 !== undefined) coded.add(rule.previous2);
    }
    const mustDiffer = new Map<number, Set<number>>();
    const cliques = new Map<string, Set<number>>();
    for (const transition of plan.transitions) {
        for (const [distance, token] of [[1, transition.previous1], [2, transition.previous2]] as const) {
            if (token === undefined || !coded.has(token)) continue;
            const key = `${transition.current}:${distance}`;
            (cliques.get(key) ?? cliques.set(key, new Set()).get(key)!).add(token);
        }
    }
    for (const clique of cliques.values()) {
        for (const a of clique) {
            for (const b of clique) if (a !== b) (mustDiffer.get(a) ?? mustDiffer.set(a, new Set()).get(a)!).add(b);
        }
    }
    const palette = 2 * BLOCK.source.size;
    const codes = new Map<number, number>();
    for (const token of coded) {
        const taken = new Set([...(mustDiffer.get(token) ?? [])].map((other) => codes.get(other)));
        let code = 0;
        while (taken.has(code)) code++;
        if (code >= palette) {
            throw new ScriptConflictError(`Scripted model too complex: the tokens before context-dependent tokens need more than ${palette} distinct codes (at ${describe(token)}). Use shorter or less repetitive scripts.`);
        }
        codes.set(token, code);
    }
    return codes;
}

function layerNorm(x: Float64Array): Float64Array {
    let mean = 0;
    for (const value of x) mean += value / x.length;
    let variance = 0;
    for (const value of x) variance += (value - mean) ** 2 / x.length;
    const scale = 1 / Math.sqrt(variance + TINY_PHI2.layerNormEpsilon);
    return x.map((value) => (value - mean) * scale);
}

function gelu(x: number): number {
    return 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3)));
}

/** A state the model can be in: the current token and the two before it (undefined: not a coded token). */
interface State {
    readonly previous2: number | undefined;
    readonly previous1: number | undefined;
    readonly current: number;
}

export function createScriptedPhi2Weights(plan: ScriptPlan, describe: DescribeToken): Phi2Weights {
    const { vocabSize: V, feedForward: F, headDim } = TINY_PHI2;
    if (2 * plan.rules.length > F) {
        throw new ScriptConflictError(`Scripted model too complex: ${plan.rules.length} context-dependent transitions, at most ${F / 2}.`);
    }
    const ambiguous = [...new Set(plan.rules.map((rule) => rule.current))];
    if (ambiguous.length > 2 * BLOCK.current.size) {
        throw new ScriptConflictError(`Scripted model too complex: ${ambiguous.length} tokens have context-dependent successors, at most ${2 * BLOCK.current.size}.`);
    }
    const random = new WeightRandom(0x5eed);
    const targetCodes = new Map<number, Float64Array>();
    spreadTargetCodes(plan.targets.length, BLOCK.target.size, random).forEach((code, index) => targetCodes.set(plan.targets[index], code));
    const currentCodes = new Map(ambiguous.map((token, index) => [token, simplexCode(BLOCK.current.size, index)]));
    const sourceCodes = new Map([...assignSourceCodes(plan, describe)].map(([token, index]) => [token, simplexCode(BLOCK.source.size, index)]));
    const scriptTokens = new Set(plan.transitions.map((transition) => transition.current));

    const embeddingOf = (token: number | undefined): Float64Array => {
        const vector = new Float64Array(E);
        const known = token !== undefined && scriptTokens.has(token);
        const target = targetCodes.get(known ? plan.defaultNext.get(token)! : END_OF_TEXT_TOKEN)!;
        target.forEach((value, i) => { vector[BLOCK.target.start + i] = TARGET_SCALE * value; });
        if (token !== undefined) {
            currentCodes.get(token)?.forEach((value, i) => { vector[BLOCK.current.start + i] = CURRENT_SCALE * value; });
            sourceCodes.get(token)?.forEach((value, i) => { vector[BLOCK.source.start + i] = SOURCE_SCALE * value; });
        }
        return vector;
    };

    const weights = createNeutralPhi2Weights();
    const unknownEmbedding = embeddingOf(undefined);
    for (let token = 0; token < V; token++) weights.tokenEmbedding.set(unknownEmbedding, token * E);
    for (const token of scriptTokens) weights.tokenEmbedding.set(embeddingOf(token), token * E);
    for (const token of sourceCodes.keys()) weights.tokenEmbedding.set(embeddingOf(token), token * E);

    // Layer 0: head 0 looks 1 token back and fills P1, head 1 looks 2 back and fills P2.
    // Rotary: with K = (A, 0) and Q = A (cos dθ, -sin dθ) per frequency pair, the score is
    // A² cos((distance - d) θ), largest at distance d; the amplitudes keep every other distance up
    // to the context length >= 28 score units lower (1 - cos 1 with 60, and the slower pairs).
    const layer0 = weights.layers[0];
    const half = TINY_PHI2.ropeDims / 2;
    for (const [head, distance, block] of [[0, 1, BLOCK.previous1], [1, 2, BLOCK.previous2]] as const) {
        const q = head * headDim;
        const k = E + head * headDim;
        for (let pair = 0; pair < half; pair++) {
            const frequency = TINY_PHI2.ropeFreqBase ** (-pair / half);
            // Q is scaled by 1/sqrt(head dim) before the product: fold that into the magnitudes.
            const magnitude = Math.sqrt(LOOK_BACK_ATTENTION_AMPLITUDES[pair] * Math.sqrt(headDim));
            layer0.attnQkvBias[q + pair] = magnitude * Math.cos(distance * frequency);
            layer0.attnQkvBias[q + pair + half] = -magnitude * Math.sin(distance * frequency);
            layer0.attnQkvBias[k + pair] = magnitude;
        }
        for (let i = 0; i < BLOCK.source.size; i++) {
            layer0.attnQkvWeight[(2 * E + head * headDim + i) * E + BLOCK.source.start + i] = 1;
            layer0.attnOutputWeight[(block.start + i) * E + head * headDim + i] = 1;
        }
    }

    // The residual stream after layer 0 in a state.
    const stateAfterAttention = (state: State): Float64Array => {
        const vector = embeddingOf(state.current);
        for (const [token, block] of [[state.previous1, BLOCK.previous1], [state.previous2, BLOCK.previous2]] as const) {
            if (token === undefined) continue;
            const normalized = layerNorm(embeddingOf(token));
            for (let i = 0; i < BLOCK.source.size; i++) vector[block.start + i] += normalized[BLOCK.source.start + i];
        }
        return vector;
    };
    // Script states, plus each with the farthest token unknown (as at a script start, or after any
    // prompt token without a code): rules must hold in both.
    const states: State[] = [];
    for (const t of plan.transitions) {
        states.push(t, { ...t, previous2: undefined });
        if (t.previous2 === undefined) states.push({ ...t, previous1: undefined });
    }
    const matches = (rule: Rule, state: State): boolean =>
        state.current === rule.current && state.previous1 === rule.previous1 &&
        (rule.previous2 === undefined || state.previous2 === rule.previous2);

    // Layer 1 FFN: two units per rule, in plan order (pair rules before the triple rules refining them).
    const layer1 = weights.layers[1];
    const ruleTarget = (state: State): number => {
        let next = plan.defaultNext.get(state.current) ?? END_OF_TEXT_TOKEN;
        for (const rule of plan.rules) if (matches(rule, state)) next = rule.next;
        return next;
    };
    plan.rules.forEach((rule, index) => {
        const detector = new Float64Array(E);
        currentCodes.get(rule.current)!.forEach((value, i) => { detector[BLOCK.current.start + i] = value; });
        sourceCodes.get(rule.previous1)!.forEach((value, i) => { detector[BLOCK.previous1.start + i] = value; });
        if (rule.previous2 !== undefined) sourceCodes.get(rule.previous2)!.forEach((value, i) => { detector[BLOCK.previous2.start + i] = value; });
        let matchMin = Infinity;
        let otherMax = -Infinity;
        for (const state of states) {
            const score = dot(detector, layerNorm(stateAfterAttention(state)));
            if (matches(rule, state)) matchMin = Math.min(matchMin, score);
            else otherMax = Math.max(otherMax, score);
        }
        if (!(matchMin - otherMax > 0.05)) {
            const context = [rule.previous2, rule.previous1].filter((token) => token !== undefined).map((token) => describe(token!)).join(" ");
            throw new ScriptConflictError(`Scripted model too complex: the rule for ${describe(rule.current)} after ${context} cannot be told apart from other states.`);
        }
        // z = gain (score - threshold): >= RULE_STEP + margin when matching, <= -margin otherwise.
        const gain = (RULE_STEP + 2 * RULE_FIRE_MARGIN) / (matchMin - otherMax);
        const threshold = otherMax + RULE_FIRE_MARGIN / gain;
        const [unit, clampUnit] = [2 * index, 2 * index + 1];
        for (let i = 0; i < E; i++) {
            layer1.ffnUpWeight[unit * E + i] = gain * detector[i];
            layer1.ffnUpWeight[clampUnit * E + i] = gain * detector[i];
        }
        layer1.ffnUpBias[unit] = -gain * threshold;
        layer1.ffnUpBias[clampUnit] = -gain * threshold - RULE_STEP;
        // Move O from the code of what the earlier rules (or the default) give to the rule's target.
        const before = targetCodes.get(ruleTarget({ ...rule, previous2: undefined }))!;
        const base = rule.previous2 === undefined ? targetCodes.get(plan.defaultNext.get(rule.current)!)! : before;
        const wanted = targetCodes.get(rule.next)!;
        for (let i = 0; i < BLOCK.target.size; i++) {
            const row = BLOCK.target.start + i;
            const step = (TARGET_SCALE * (wanted[i] - base[i])) / RULE_STEP;
            layer1.ffnDownWeight[row * F + unit] = step;
            layer1.ffnDownWeight[row * F + clampUnit] = -step;
        }
    });

    const finalState = (state: State): Float64Array => {
        const residual = stateAfterAttention(state);
        const normalized = layerNorm(residual);
        const result = Float64Array.from(residual);
        for (let unit = 0; unit < 2 * plan.rules.length; unit++) {
            let preactivation = layer1.ffnUpBias[unit];
            for (let i = 0; i < E; i++) preactivation += layer1.ffnUpWeight[unit * E + i] * normalized[i];
            const activation = gelu(preactivation);
            for (let i = 0; i < E; i++) result[i] += layer1.ffnDownWeight[i * F + unit] * activation;
        }
        return layerNorm(result);
    };

    for (const transition of plan.transitions) {
        if (ruleTarget(transition) !== transition.next) {
            throw new Error(`Scripted model plan is inconsistent at ${describe(transition.current)}: rules give ${describe(ruleTarget(transition))}, the script ${describe(transition.next)}`);
        }
    }

    // Output: logits are target-code similarities; check every state's margin, then scale.
    let smallestMargin = Infinity;
    let weakest: State | undefined;
    for (const state of states) {
        const hidden = finalState(state);
        const logitOf = (token: number): number => {
            const code = targetCodes.get(token)!;
            let sum = 0;
            for (let i = 0; i < BLOCK.target.size; i++) sum += code[i] * hidden[BLOCK.target.start + i];
            return sum;
        };
        const wantedToken = ruleTarget(state);
        const wanted = logitOf(wantedToken);
        // 0 stands for the tokens never emitted (their output row is zero).
        const runnerUp = Math.max(0, ...plan.targets.filter((token) => token !== wantedToken).map(logitOf));
        if (wanted - runnerUp < smallestMargin) {
            smallestMargin = wanted - runnerUp;
            weakest = state;
        }
    }
    if (!(smallestMargin > 0.05) || weakest === undefined) {
        throw new Error(`Scripted model self-check failed at ${weakest ? describe(weakest.current) : "?"} (margin ${smallestMargin.toFixed(3)})`);
    }
    const logitScale = MIN_LOGIT_MARGIN / smallestMargin;
    weights.outputBias.fill(NEVER_EMITTED_BIAS);
    for (const [token, code] of targetCodes) {
        weights.outputBias[token] = 0;
        code.forEach((value, i) => { weights.outputWeight[token * E + BLOCK.target.start + i] = logitScale * value; });
    }
    return weights;
}
