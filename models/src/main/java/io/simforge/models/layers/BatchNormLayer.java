package io.simforge.models.layers;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * Batch normalisation over axis 1 (channels of NCHW, features of NC). DJL's own {@code BatchNorm} hides
 * its epsilon, which an exporter must know; this layer exposes every setting.
 *
 * <p>In training mode it normalises with the batch statistics and updates the running ones; in
 * inference mode it uses the running statistics, which is what the exported graph does.
 */
public final class BatchNormLayer extends AbstractBlock {
    private static final byte VERSION = 1;
    private final float epsilon;
    private final float momentum;
    private final Parameter gamma;
    private final Parameter beta;
    private final Parameter runningMean;
    private final Parameter runningVar;
    private final boolean frozen;

    /**
     * @param epsilon added to the variance before the square root
     * @param momentum weight of the running statistics kept at each update (DJL's convention: 0.9 keeps
     *     90 % of the old value)
     * @param frozen when true, training uses the running statistics and does not update them
     *     ("frozen BatchNorm", as in the MS paper's recipe)
     */
    public BatchNormLayer(float epsilon, float momentum, boolean frozen) {
        super(VERSION);
        if (!(epsilon > 0) || !(momentum >= 0 && momentum < 1)) {
            throw new IllegalArgumentException("BatchNorm needs epsilon > 0 and 0 <= momentum < 1, got "
                    + epsilon + ", " + momentum);
        }
        this.epsilon = epsilon;
        this.momentum = momentum;
        this.frozen = frozen;
        gamma = addParameter(Parameter.builder().setName("gamma").setType(Parameter.Type.GAMMA).build());
        beta = addParameter(Parameter.builder().setName("beta").setType(Parameter.Type.BETA).build());
        runningMean = addParameter(Parameter.builder().setName("runningMean").setType(Parameter.Type.RUNNING_MEAN)
                .optRequiresGrad(false).build());
        runningVar = addParameter(Parameter.builder().setName("runningVar").setType(Parameter.Type.RUNNING_VAR)
                .optRequiresGrad(false).build());
    }

    public BatchNormLayer() {
        this(1e-5f, 0.9f, false);
    }

    public float getEpsilon() {
        return epsilon;
    }

    public float getMomentum() {
        return momentum;
    }

    public boolean isFrozen() {
        return frozen;
    }

    public Parameter getGamma() {
        return gamma;
    }

    public Parameter getBeta() {
        return beta;
    }

    public Parameter getRunningMean() {
        return runningMean;
    }

    public Parameter getRunningVar() {
        return runningVar;
    }

    @Override
    public void prepare(Shape[] inputShapes) {
        Shape channels = new Shape(inputShapes[0].get(1));
        gamma.setShape(channels);
        beta.setShape(channels);
        runningMean.setShape(channels);
        runningVar.setShape(channels);
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training,
            PairList<String, Object> params) {
        var x = inputs.singletonOrThrow();
        var device = x.getDevice();
        return BatchNorm.batchNorm(x, ps.getValue(runningMean, device, training),
                ps.getValue(runningVar, device, training), ps.getValue(gamma, device, training),
                ps.getValue(beta, device, training), 1, momentum, epsilon, training && !frozen);
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return inputShapes;
    }
}
