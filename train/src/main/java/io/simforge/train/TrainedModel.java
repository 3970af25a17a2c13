package io.simforge.train;

import ai.djl.Model;
import io.simforge.core.model.Preprocessing;
import io.simforge.models.Architecture;
import java.util.List;

/**
 * The result of a training run; owns the DJL model (close it).
 *
 * @param lastIteration the iteration the run ended at (before {@code iterations} when it stopped early)
 * @param bestIteration the iteration with the best validation Recall@1, or 0 without validation
 * @param bestRecallAt1 that Recall@1 (NaN without validation)
 */
public record TrainedModel(Model model, Architecture architecture, Preprocessing preprocessing,
        List<Float> losses, double seconds, int lastIteration, int bestIteration, double bestRecallAt1)
        implements AutoCloseable {

    @Override
    public void close() {
        model.close();
    }
}
