// Random weights for a tiny Phi-2 that loads and generates (meaningless) text.
import { WeightRandom } from "./WeightRandom";
import { createNeutralPhi2Weights, type Phi2Weights, TINY_PHI2 } from "./tinyPhi2";
import { END_OF_TEXT_TOKEN, FIRST_PADDING_TOKEN, PHI2_VOCAB_SIZE } from "./phi2Vocabulary";

/** Bias that keeps <|endoftext|> and padding ids from ever winning, so the model emits real text. */
const SUPPRESSED_TOKEN_BIAS = -100;

export function createRandomPhi2Weights(seed: number): Phi2Weights {
    const random = new WeightRandom(seed);
    const weights = createNeutralPhi2Weights();
    const { embedding: e, feedForward: f } = TINY_PHI2;
    random.fillUniform(weights.tokenEmbedding, 1);
    random.fillUniform(weights.outputWeight, 1 / Math.sqrt(e));
    for (const layer of weights.layers) {
        random.fillNormal(layer.attnQkvWeight, 1 / Math.sqrt(e));
        random.fillNormal(layer.attnOutputWeight, 0.5 / Math.sqrt(e));
        random.fillNormal(layer.ffnUpWeight, 1 / Math.sqrt(e));
        random.fillNormal(layer.ffnDownWeight, 0.5 / Math.sqrt(f));
    }
    weights.outputBias[END_OF_TEXT_TOKEN] = SUPPRESSED_TOKEN_BIAS;
    weights.outputBias.fill(SUPPRESSED_TOKEN_BIAS, FIRST_PADDING_TOKEN, PHI2_VOCAB_SIZE);
    return weights;
}
