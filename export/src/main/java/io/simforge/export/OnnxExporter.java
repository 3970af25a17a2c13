package io.simforge.export;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.onnx.proto.OnnxMl;
import io.simforge.core.io.AtomicFiles;
import io.simforge.core.model.ModelMetadata;
import io.simforge.models.layers.BatchNormLayer;
import io.simforge.models.layers.FlattenLayer;
import io.simforge.models.layers.GlobalAvgPoolLayer;
import io.simforge.models.layers.L2NormLayer;
import io.simforge.models.layers.MaxPoolLayer;
import io.simforge.models.layers.ReluLayer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Translates a trained DJL embedding network into a standalone ONNX model: inference-mode semantics
 * (BatchNorm on running statistics), a dynamic batch dimension, the L2 normalisation inside the graph,
 * and the {@link ModelMetadata} in {@code metadata_props}.
 *
 * <p>The whole graph is built in memory before anything is written, so an unknown layer fails with
 * {@link UnsupportedLayerException} and leaves no file behind; the file itself is written atomically.
 */
public final class OnnxExporter {
    public static final int DEFAULT_OPSET = 17;
    static final int MIN_OPSET = 13;
    static final int MAX_OPSET = 21;
    /** IR version 8 is what opsets 17 and below are paired with; newer opsets need IR 10. */
    private static final int IR_VERSION_UP_TO_18 = 8;
    private static final int IR_VERSION_FROM_19 = 10;

    private final Block block;
    private final ModelMetadata metadata;
    private final int opset;

    private OnnxExporter(Builder b) {
        this.block = b.block;
        this.metadata = b.metadata;
        this.opset = b.opset;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Builds the ONNX model in memory. */
    public OnnxMl.ModelProto toModelProto() {
        OnnxGraphBuilder g = new OnnxGraphBuilder();
        String input = metadata.inputName();
        long[] itemDims = java.util.Arrays.stream(metadata.itemShape()).asLongStream().toArray();
        g.graph().setName("simforge_embedding").addInput(OnnxGraphBuilder.batchedFloat(input, itemDims));
        List<Block> layers = new ArrayList<>();
        List<String> names = new ArrayList<>();
        flatten(block, "", layers, names);
        if (layers.isEmpty() || !(layers.get(layers.size() - 1) instanceof L2NormLayer)) {
            throw new IllegalArgumentException("the network does not end with an L2NormLayer, so it is not an embedding "
                    + "model for cosine retrieval; build it with io.simforge.models.Architecture");
        }
        String current = input;
        for (int i = 0; i < layers.size(); i++) {
            boolean last = i == layers.size() - 1;
            current = translate(g, layers.get(i), names.get(i), current, last ? metadata.outputName() : null);
        }
        g.graph().addOutput(OnnxGraphBuilder.batchedFloat(metadata.outputName(), metadata.embeddingSize()));

        OnnxMl.ModelProto.Builder model = OnnxMl.ModelProto.newBuilder()
                .setIrVersion(opset <= 18 ? IR_VERSION_UP_TO_18 : IR_VERSION_FROM_19)
                .setProducerName("simforge").setProducerVersion(metadata.producer())
                .setDocString("simforge embedding model: " + metadata.embeddingSize() + "-d, L2-normalised")
                .addOpsetImport(OnnxMl.OperatorSetIdProto.newBuilder().setDomain("").setVersion(opset))
                .setGraph(g.graph());
        for (Map.Entry<String, String> e : metadata.toMap().entrySet()) {
            model.addMetadataProps(OnnxMl.StringStringEntryProto.newBuilder().setKey(e.getKey()).setValue(e.getValue()));
        }
        return model.build();
    }

    /** Builds the model and writes it atomically to {@code file}. */
    public void export(Path file) throws IOException {
        byte[] bytes = toModelProto().toByteArray();
        AtomicFiles.writeBytes(file, bytes);
    }

    private static void flatten(Block b, String name, List<Block> out, List<String> names) {
        if (b instanceof SequentialBlock seq) {
            var children = seq.getChildren();
            for (int i = 0; i < children.size(); i++) {
                flatten(children.get(i).getValue(), children.get(i).getKey(), out, names);
            }
        } else {
            out.add(b);
            names.add(name);
        }
    }

    /** Emits the nodes of one layer; returns the name of its output. */
    private String translate(OnnxGraphBuilder g, Block layer, String name, String in, String fixedOutput) {
        if (layer instanceof Conv2d conv) {
            return conv(g, conv, in);
        } else if (layer instanceof Linear linear) {
            NDArray w = param(linear, "weight");
            List<String> inputs = new ArrayList<>(List.of(in, g.floats("linear_weight", w.toFloatArray(), w.getShape().getShape())));
            Parameter bias = linear.getDirectParameters().get("bias");
            if (bias != null && bias.getArray() != null) {
                inputs.add(g.floats("linear_bias", bias.getArray().toFloatArray(), bias.getArray().getShape().getShape()));
            }
            // DJL's Linear weight is (out, in): Gemm with transB = 1.
            return g.node("Gemm", "linear", inputs, OnnxGraphBuilder.integer("transB", 1));
        } else if (layer instanceof BatchNormLayer bn) {
            long c = bn.getGamma().getArray().getShape().get(0);
            return g.node("BatchNormalization", "batchnorm", List.of(in,
                    g.floats("bn_scale", bn.getGamma().getArray().toFloatArray(), c),
                    g.floats("bn_bias", bn.getBeta().getArray().toFloatArray(), c),
                    g.floats("bn_mean", bn.getRunningMean().getArray().toFloatArray(), c),
                    g.floats("bn_var", bn.getRunningVar().getArray().toFloatArray(), c)),
                    OnnxGraphBuilder.real("epsilon", bn.getEpsilon()));
        } else if (layer instanceof ReluLayer) {
            return g.node("Relu", "relu", List.of(in));
        } else if (layer instanceof MaxPoolLayer pool) {
            long k = pool.getKernel();
            long s = pool.getStride();
            long p = pool.getPadding();
            return g.node("MaxPool", "maxpool", List.of(in), OnnxGraphBuilder.ints("kernel_shape", k, k),
                    OnnxGraphBuilder.ints("strides", s, s), OnnxGraphBuilder.ints("pads", p, p, p, p),
                    OnnxGraphBuilder.integer("ceil_mode", 0));
        } else if (layer instanceof GlobalAvgPoolLayer) {
            String pooled = g.node("GlobalAveragePool", "gap", List.of(in));
            return g.node("Flatten", "gap_flat", List.of(pooled), OnnxGraphBuilder.integer("axis", 1));
        } else if (layer instanceof FlattenLayer) {
            return g.node("Flatten", "flatten", List.of(in), OnnxGraphBuilder.integer("axis", 1));
        } else if (layer instanceof L2NormLayer l2) {
            return l2Normalize(g, l2, in, fixedOutput);
        }
        throw new UnsupportedLayerException(name, layer.getClass());
    }

    private String conv(OnnxGraphBuilder g, Conv2d conv, String in) {
        NDArray w = param(conv, "weight");
        List<String> inputs = new ArrayList<>(List.of(in, g.floats("conv_weight", w.toFloatArray(), w.getShape().getShape())));
        if (conv.isIncludeBias()) {
            NDArray b = param(conv, "bias");
            inputs.add(g.floats("conv_bias", b.toFloatArray(), b.getShape().getShape()));
        }
        long[] k = conv.getKernelShape().getShape();
        long[] s = conv.getStride().getShape();
        long[] p = conv.getPadding().getShape();
        long[] d = conv.getDilation().getShape();
        return g.node("Conv", "conv", inputs, OnnxGraphBuilder.ints("kernel_shape", k),
                OnnxGraphBuilder.ints("strides", s), OnnxGraphBuilder.ints("pads", p[0], p[1], p[0], p[1]),
                OnnxGraphBuilder.ints("dilations", d), OnnxGraphBuilder.integer("group", conv.getGroups()));
    }

    /** x / max(||x||₂, eps), as {@link L2NormLayer} computes it. */
    private String l2Normalize(OnnxGraphBuilder g, L2NormLayer l2, String in, String fixedOutput) {
        String norm;
        if (opset >= 18) {
            norm = g.node("ReduceL2", "l2", List.of(in, g.longs("l2_axes", 1)), OnnxGraphBuilder.integer("keepdims", 1));
        } else {
            norm = g.node("ReduceL2", "l2", List.of(in), OnnxGraphBuilder.ints("axes", 1),
                    OnnxGraphBuilder.integer("keepdims", 1));
        }
        String clamped = g.node("Max", "l2_clamped", List.of(norm, g.floats("l2_eps", new float[] {l2.getEps()})));
        String out = fixedOutput != null ? fixedOutput : g.fresh("l2_normalized");
        g.nodeWithOutput("Div", out, List.of(in, clamped));
        return out;
    }

    private static NDArray param(Block layer, String name) {
        Parameter p = layer.getDirectParameters().get(name);
        if (p == null || p.getArray() == null) {
            throw new IllegalStateException("layer " + layer.getClass().getSimpleName() + " has no initialised '" + name
                    + "' parameter; train or load the model before exporting it");
        }
        return p.getArray();
    }

    /** Builder: the block and metadata are required; the opset is optional. */
    public static final class Builder {
        private Block block;
        private ModelMetadata metadata;
        private int opset = DEFAULT_OPSET;

        public Builder setBlock(Block block) {
            this.block = block;
            return this;
        }

        public Builder setMetadata(ModelMetadata metadata) {
            this.metadata = metadata;
            return this;
        }

        /** ONNX opset, {@value #MIN_OPSET} to {@value #MAX_OPSET}; default {@value #DEFAULT_OPSET}. */
        public Builder optOpset(int opset) {
            this.opset = opset;
            return this;
        }

        public OnnxExporter build() {
            if (block == null || metadata == null) {
                throw new IllegalArgumentException("OnnxExporter needs a block (setBlock) and its metadata (setMetadata)");
            }
            if (!block.isInitialized()) {
                throw new IllegalArgumentException("the block is not initialised: train or load the model before exporting");
            }
            if (opset < MIN_OPSET || opset > MAX_OPSET) {
                throw new IllegalArgumentException("opset " + opset + " cannot express this graph here: choose "
                        + MIN_OPSET + " to " + MAX_OPSET + " (default " + DEFAULT_OPSET + ")");
            }
            return new OnnxExporter(this);
        }
    }
}
