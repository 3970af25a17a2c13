package io.simforge.train;

import java.util.Map;

/** Follows a training run as it goes (a progress bar, a log); every method does nothing unless overridden. */
public interface TrainingListener {
    TrainingListener NONE = new TrainingListener() {};

    /** Before the first step, once the data is read and the run folder prepared. */
    default void onStart(TrainingRun.Plan plan) {}

    /** After every iteration. */
    default void onIteration(int iteration, int total, float loss) {}

    /** After each validation, with Recall@1/2/4/8, P@1, MAP@R and R-Precision. */
    default void onValidation(int iteration, Map<String, Double> metrics) {}

    /** Called after every iteration. */
    @FunctionalInterface
    interface IterationCallback {
        void onIteration(int iteration, int total, float loss);
    }

    /** A listener that only follows iterations. */
    static TrainingListener everyIteration(IterationCallback callback) {
        return new TrainingListener() {
            @Override
            public void onIteration(int iteration, int total, float loss) {
                callback.onIteration(iteration, total, loss);
            }
        };
    }
}
