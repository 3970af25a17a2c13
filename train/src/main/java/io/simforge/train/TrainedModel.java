package io.simforge.train;

import ai.djl.Model;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import io.simforge.core.model.Preprocessing;
import io.simforge.models.Architecture;
import io.simforge.models.EmbeddingNetwork;
import java.util.List;
import java.util.Map;

/**
 * The result of a training run; owns the DJL model (close it).
 *
 * @param losses the loss of every iteration this run did (after a resume: the resumed part)
 * @param seconds wall time of the training loop
 * @param lastIteration the iteration the run ended at (before {@code iterations} when it stopped early)
 * @param bestIteration the iteration with the best validation Recall@1, or 0 without validation
 * @param bestRecallAt1 that Recall@1 (NaN without validation)
 * @param lastValidation the last validation's metrics, or null without validation
 * @param training the JSON training summary written into the model's metadata ({@link EmbeddingNetwork#training()})
 */
public record TrainedModel(Model model, Architecture architecture, Preprocessing preprocessing, List<Float> losses,
        double seconds, int lastIteration, int bestIteration, double bestRecallAt1, Map<String, Double> lastValidation,
        String training) implements EmbeddingNetwork, AutoCloseable {

    public TrainedModel {
        losses = List.copyOf(losses);
        lastValidation = lastValidation == null ? null
                : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(lastValidation));
    }

    @Override
    public Block block() {
        return model.getBlock();
    }

    @Override
    public NDManager manager() {
        return model.getNDManager();
    }

    /** Mean loss over the last {@code n} iterations (NaN when none ran). */
    public double recentLoss(int n) {
        return losses.subList(Math.max(0, losses.size() - n), losses.size()).stream().mapToDouble(Float::doubleValue)
                .average().orElse(Double.NaN);
    }

    TrainedModel withTraining(String summary) {
        return new TrainedModel(model, architecture, preprocessing, losses, seconds, lastIteration, bestIteration,
                bestRecallAt1, lastValidation, summary);
    }

    @Override
    public void close() {
        model.close();
    }
}
