package io.simforge.train;

import ai.djl.Model;
import io.simforge.core.model.Preprocessing;
import io.simforge.models.Architecture;
import java.util.List;

/** The result of a training run; owns the DJL model (close it). */
public record TrainedModel(Model model, Architecture architecture, Preprocessing preprocessing,
        List<Float> losses, double seconds) implements AutoCloseable {

    @Override
    public void close() {
        model.close();
    }
}
