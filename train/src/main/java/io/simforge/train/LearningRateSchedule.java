package io.simforge.train;

import ai.djl.training.tracker.ParameterTracker;
import java.util.Arrays;
import java.util.Set;

/**
 * The learning rate at each update: a linear warm-up from {@code lr / warmup} to {@code lr} over the first
 * {@code warmupIterations} updates, then constant, stepped (× gamma every stepSize updates), multi-stepped
 * (× gamma at each milestone) or cosine-annealed to {@code minLearningRate} at the last iteration; the
 * embedding head's parameters get {@code headMultiplier} times that rate.
 */
public final class LearningRateSchedule implements ParameterTracker {
    private final TrainConfig c;
    private final int[] milestones;
    private final Set<String> headParameters;

    /** @param headParameters ids of the embedding head's parameters */
    public LearningRateSchedule(TrainConfig config, Set<String> headParameters) {
        this.c = config;
        this.milestones = config.milestones(); // read for every parameter at every update
        this.headParameters = Set.copyOf(headParameters);
    }

    @Override
    public float getNewValue(String parameterId, int numUpdate) {
        float lr = at(numUpdate);
        return headParameters.contains(parameterId) ? lr * c.headLearningRateMultiplier() : lr;
    }

    /** The base rate for update {@code update} (1 = the first). */
    public float at(int update) {
        int it = Math.max(1, update);
        if (it <= c.warmupIterations()) {
            return c.learningRate() * it / c.warmupIterations();
        }
        return switch (c.schedule()) {
            case STEP -> (float) (c.learningRate() * Math.pow(c.gamma(), (it - 1) / c.stepSize()));
            case MULTISTEP -> (float) (c.learningRate() * Math.pow(c.gamma(),
                    Arrays.stream(milestones).filter(m -> it > m).count()));
            case COSINE -> {
                int span = Math.max(1, c.iterations() - c.warmupIterations());
                double progress = Math.min(1, (it - c.warmupIterations()) / (double) span);
                yield (float) (c.minLearningRate() + (c.learningRate() - c.minLearningRate()) * 0.5 * (1 + Math.cos(Math.PI
                        * progress)));
            }
            case CONSTANT -> c.learningRate();
        };
    }
}
