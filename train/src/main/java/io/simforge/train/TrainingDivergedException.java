package io.simforge.train;

/** The loss or the embeddings became NaN or infinite; the step was not applied, so the weights are the last good ones. */
public class TrainingDivergedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public TrainingDivergedException(int iteration, String what) {
        super(what + " at iteration " + iteration + "; training stopped before applying this step, so the weights are "
                + "the last good ones. Lower the learning rate (e.g. halve it) or check the input data for NaN or "
                + "extreme values.");
    }
}
