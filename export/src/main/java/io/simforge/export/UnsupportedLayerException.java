package io.simforge.export;

/** The network holds a layer the exporter cannot translate to ONNX; nothing was written. */
public class UnsupportedLayerException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public UnsupportedLayerException(String layerName, Class<?> layerClass) {
        super("cannot export layer '" + layerName + "' of class " + layerClass.getName() + ": the ONNX exporter "
                + "knows Conv2d, Linear, BatchNormLayer, ReluLayer, MaxPoolLayer, GlobalAvgPoolLayer, FlattenLayer "
                + "and L2NormLayer (and SequentialBlocks of them). Build the network from these layers (see "
                + "io.simforge.models.Architecture); no file was written.");
    }
}
