package io.simforge.models.onnx;

/** The network holds a layer that has no ONNX codec, so it cannot be exported; nothing was written. */
public class UnsupportedLayerException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public UnsupportedLayerException(String layerName, Class<?> layerClass) {
        super("cannot export layer '" + layerName + "' of class " + layerClass.getName() + ": the ONNX exporter "
                + "knows " + LayerCodecs.knownLayers() + " (and SequentialBlocks of them). Build the network from these "
                + "layers (see io.simforge.models.Architecture), or add a LayerCodec for it; no file was written.");
    }
}
