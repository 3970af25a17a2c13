package io.simforge.infer;

import io.simforge.onnx.AttributeProto;
import io.simforge.onnx.ElementType;
import io.simforge.onnx.GraphBuilder;
import io.simforge.onnx.ModelProto;
import io.simforge.onnx.OnnxWriter;
import io.simforge.onnx.ValueInfoProto;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** Small ONNX graphs built with simforge-onnx, whose outputs a test can work out by hand. */
final class TinyModels {
    private TinyModels() {}

    /**
     * {@code embedding = features · w}: input {@code features [batch, in]}, output {@code embedding [batch, out]}.
     *
     * @param w row-major {@code in × out}
     */
    static Path linear(Path file, int in, int out, float[] w, Map<String, String> metadata) throws IOException {
        GraphBuilder g = new GraphBuilder(false).setName("linear")
                .addInput(ValueInfoProto.batched("features", ElementType.FLOAT, in))
                .addOutput(ValueInfoProto.batched("embedding", ElementType.FLOAT, out));
        String weights = g.floats("w", w, in, out);
        g.nodeWithOutput("MatMul", "embedding", List.of("features", weights));
        return write(file, g, metadata);
    }

    /**
     * The mean of each channel: input {@code pixels} of the given dims after the batch (e.g. {@code 3, 4, 4} or,
     * NHWC, {@code 4, 4, 3}), output {@code embedding [batch, C]} ({@code GlobalAveragePool}, {@code Flatten}; for
     * NHWC a {@code Transpose} first).
     */
    static Path channelMeans(Path file, boolean nhwc, String batch, long[] itemDims, Map<String, String> metadata)
            throws IOException {
        String[] dims = new String[itemDims.length + 1];
        dims[0] = batch;
        for (int i = 0; i < itemDims.length; i++) {
            dims[i + 1] = Long.toString(itemDims[i]);
        }
        long channels = nhwc ? itemDims[2] : itemDims[0];
        GraphBuilder g = new GraphBuilder(false).setName("means")
                .addInput(ValueInfoProto.tensor("pixels", ElementType.FLOAT, dims))
                .addOutput(ValueInfoProto.tensor("embedding", ElementType.FLOAT, batch, Long.toString(channels)));
        String x = "pixels";
        if (nhwc) {
            x = g.node("Transpose", "nchw", List.of(x), AttributeProto.ofInts("perm", 0, 3, 1, 2));
        }
        String pooled = g.node("GlobalAveragePool", "pooled", List.of(x));
        g.nodeWithOutput("Flatten", "embedding", List.of(pooled), AttributeProto.ofInt("axis", 1));
        return write(file, g, metadata);
    }

    static Path write(Path file, GraphBuilder g, Map<String, String> metadata) throws IOException {
        ModelProto.Builder m = ModelProto.builder().setIrVersion(8).addOpsetImport("", 17).optProducer("test", "1")
                .setGraph(g.build());
        metadata.forEach(m::addMetadata);
        OnnxWriter.write(m.build(), file);
        return file;
    }
}
