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
import io.simforge.models.layers.GlobalMaxPoolLayer;
import io.simforge.models.layers.L2NormLayer;
import io.simforge.models.layers.MaxPoolLayer;
import io.simforge.models.layers.ReluLayer;
import io.simforge.models.layers.ResidualBlock;
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

    /** Models whose weights exceed this go to an external data file (protobuf caps one message at 2 GiB). */
    static final long EXTERNAL_DATA_THRESHOLD = 1_800_000_000L;

    /** Where the weights go. */
    public enum WeightStorage {
        /** In the .onnx file, unless they would not fit in one protobuf message (then as EXTERNAL). */
        AUTO,
        /** Always in the .onnx file. */
        INLINE,
        /** In {@code <file>.data} beside the .onnx file (ONNX external data), referenced by offset. */
        EXTERNAL
    }

    private final Block block;
    private final ModelMetadata metadata;
    private final int opset;
    private final boolean foldBatchNorm;
    private final boolean float16Weights;
    private final WeightStorage storage;

    private OnnxExporter(Builder b) {
        this.block = b.block;
        this.metadata = b.metadata;
        this.opset = b.opset;
        this.foldBatchNorm = b.foldBatchNorm;
        this.float16Weights = b.float16Weights;
        this.storage = b.storage;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The opset the graph is written for. */
    public int opset() {
        return opset;
    }

    /** Builds the ONNX model in memory. */
    public OnnxMl.ModelProto toModelProto() {
        OnnxGraphBuilder g = new OnnxGraphBuilder(float16Weights);
        String input = metadata.inputName();
        long[] itemDims = java.util.Arrays.stream(metadata.itemShape()).asLongStream().toArray();
        g.graph().setName("simforge_embedding");
        if (metadata.inputKind() == ModelMetadata.InputKind.IMAGE_UINT8) {
            g.graph().addInput(OnnxGraphBuilder.batched(input, OnnxMl.TensorProto.DataType.UINT8, itemDims));
            input = preprocess(g, input, metadata.preprocessing());
        } else {
            g.graph().addInput(OnnxGraphBuilder.batchedFloat(input, itemDims));
        }
        List<Block> layers = new ArrayList<>();
        List<String> names = new ArrayList<>();
        flatten(block, "", layers, names);
        if (layers.isEmpty() || !(layers.get(layers.size() - 1) instanceof L2NormLayer)) {
            throw new IllegalArgumentException("the network does not end with an L2NormLayer, so it is not an embedding "
                    + "model for cosine retrieval; build it with io.simforge.models.Architecture");
        }
        translateAll(g, layers, names, input, metadata.outputName());
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
        model.addMetadataProps(OnnxMl.StringStringEntryProto.newBuilder().setKey(ModelMetadata.KEY_WEIGHTS_SHA256)
                .setValue(WeightChecksum.of(g.graph().getInitializerList(), null)));
        model.addMetadataProps(OnnxMl.StringStringEntryProto.newBuilder().setKey(ModelMetadata.KEY_EXPORT_OPTIONS)
                .setValue("{\"opset\":" + opset + ",\"fold_batchnorm\":" + foldBatchNorm + ",\"weights\":\""
                        + (float16Weights ? "float16" : "float32") + "\",\"inputs_outputs\":\"float32\"}"));
        return model.build();
    }

    /**
     * Builds the model and writes it atomically to {@code file}; with external weights, the data file
     * ({@code file}'s name + {@code .data}) is written first, then the model that points into it.
     */
    public void export(Path file) throws IOException {
        OnnxMl.ModelProto model = toModelProto();
        long weightBytes = model.getGraph().getInitializerList().stream().mapToLong(t -> t.getRawData().size()).sum();
        boolean external = storage == WeightStorage.EXTERNAL
                || (storage == WeightStorage.AUTO && weightBytes > EXTERNAL_DATA_THRESHOLD);
        if (!external) {
            if (weightBytes > EXTERNAL_DATA_THRESHOLD) {
                throw new IOException(weightBytes + " bytes of weights do not fit in one ONNX file; export with external "
                        + "data (WeightStorage.AUTO or EXTERNAL)");
            }
            AtomicFiles.writeBytes(file, model.toByteArray());
            return;
        }
        String dataName = file.getFileName() + ".data";
        OnnxMl.GraphProto.Builder graph = model.getGraph().toBuilder();
        long[] offset = {0};
        AtomicFiles.write(file.resolveSibling(dataName), out -> {
            for (int i = 0; i < graph.getInitializerCount(); i++) {
                OnnxMl.TensorProto t = graph.getInitializer(i);
                if (t.getRawData().size() < 1024) {
                    continue; // small constants stay inline
                }
                long pad = (64 - offset[0] % 64) % 64; // aligned, so runtimes can map the data directly
                out.write(new byte[(int) pad]);
                offset[0] += pad;
                t.getRawData().writeTo(out);
                graph.setInitializer(i, t.toBuilder().clearRawData()
                        .setDataLocation(OnnxMl.TensorProto.DataLocation.EXTERNAL)
                        .addExternalData(entry("location", dataName))
                        .addExternalData(entry("offset", Long.toString(offset[0])))
                        .addExternalData(entry("length", Long.toString(t.getRawData().size()))));
                offset[0] += t.getRawData().size();
            }
        });
        AtomicFiles.writeBytes(file, model.toBuilder().setGraph(graph).build().toByteArray());
    }

    private static OnnxMl.StringStringEntryProto entry(String key, String value) {
        return OnnxMl.StringStringEntryProto.newBuilder().setKey(key).setValue(value).build();
    }

    /**
     * Emits a sequence of layers; with BatchNorm folding, a convolution or linear layer followed by
     * BatchNorm becomes one node whose weights absorb the BatchNorm (exact up to float rounding).
     */
    private String translateAll(OnnxGraphBuilder g, List<Block> layers, List<String> names, String in,
            String fixedOutput) {
        String current = in;
        for (int i = 0; i < layers.size(); i++) {
            boolean last = i == layers.size() - 1;
            Block layer = layers.get(i);
            if (foldBatchNorm && i + 1 < layers.size() && layers.get(i + 1) instanceof BatchNormLayer bn
                    && (layer instanceof Conv2d || layer instanceof Linear)) {
                current = folded(g, layer, bn, current);
                i++;
                continue;
            }
            current = translate(g, layer, names.get(i), current, last ? fixedOutput : null);
        }
        return current;
    }

    /** Conv or Linear with the following BatchNorm folded in: w' = w·γ/σ per output channel, b' = (b − μ)·γ/σ + β. */
    private String folded(OnnxGraphBuilder g, Block layer, BatchNormLayer bn, String in) {
        float[] gamma = bn.getGamma().getArray().toFloatArray();
        float[] beta = bn.getBeta().getArray().toFloatArray();
        float[] mean = bn.getRunningMean().getArray().toFloatArray();
        float[] var = bn.getRunningVar().getArray().toFloatArray();
        NDArray w = param(layer, "weight");
        float[] weight = w.toFloatArray();
        int outChannels = gamma.length;
        int perChannel = weight.length / outChannels; // conv (out, in, kh, kw) and linear (out, in): out first
        Parameter biasParam = layer.getDirectParameters().get("bias");
        float[] bias = biasParam != null && biasParam.getArray() != null ? biasParam.getArray().toFloatArray()
                : new float[outChannels];
        float[] newBias = new float[outChannels];
        for (int c = 0; c < outChannels; c++) {
            double scale = gamma[c] / Math.sqrt(var[c] + (double) bn.getEpsilon());
            for (int j = 0; j < perChannel; j++) {
                weight[c * perChannel + j] = (float) (weight[c * perChannel + j] * scale);
            }
            newBias[c] = (float) ((bias[c] - mean[c]) * scale + beta[c]);
        }
        String wName = g.weights(layer instanceof Conv2d ? "conv_weight" : "linear_weight", weight, w.getShape().getShape());
        String bName = g.weights(layer instanceof Conv2d ? "conv_bias" : "linear_bias", newBias, outChannels);
        if (layer instanceof Conv2d conv) {
            return g.node("Conv", "conv", List.of(in, wName, bName), convAttributes(conv));
        }
        return g.node("Gemm", "linear", List.of(in, wName, bName), OnnxGraphBuilder.integer("transB", 1));
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

    /** Raw 8-bit pixels → float → (x·scale − mean[c]) / std[c], exactly as {@link Preprocessing#apply} computes it. */
    private static String preprocess(OnnxGraphBuilder g, String in, io.simforge.core.model.Preprocessing p) {
        long c = p.channels();
        String x = g.node("Cast", "pixels_float", List.of(in),
                OnnxGraphBuilder.integer("to", OnnxMl.TensorProto.DataType.FLOAT.getNumber()));
        String scaled = g.node("Mul", "pixels_scaled", List.of(x, g.floats("scale", new float[] {p.scale()})));
        String centred = g.node("Sub", "pixels_centred", List.of(scaled, g.floats("mean", p.mean(), 1, c, 1, 1)));
        return g.node("Div", "pixels_normalised", List.of(centred, g.floats("std", p.std(), 1, c, 1, 1)));
    }

    /** Emits the nodes of a sequence of layers (a branch of a residual block); returns its output. */
    private String sequence(OnnxGraphBuilder g, SequentialBlock seq, String name, String in) {
        List<Block> layers = new ArrayList<>();
        List<String> names = new ArrayList<>();
        flatten(seq, name + "/", layers, names);
        return translateAll(g, layers, names, in, null);
    }

    /** Emits the nodes of one layer; returns the name of its output. */
    private String translate(OnnxGraphBuilder g, Block layer, String name, String in, String fixedOutput) {
        if (layer instanceof Conv2d conv) {
            return conv(g, conv, in);
        } else if (layer instanceof Linear linear) {
            NDArray w = param(linear, "weight");
            List<String> inputs = new ArrayList<>(List.of(in, g.weights("linear_weight", w.toFloatArray(), w.getShape().getShape())));
            Parameter bias = linear.getDirectParameters().get("bias");
            if (bias != null && bias.getArray() != null) {
                inputs.add(g.weights("linear_bias", bias.getArray().toFloatArray(), bias.getArray().getShape().getShape()));
            }
            // DJL's Linear weight is (out, in): Gemm with transB = 1.
            return g.node("Gemm", "linear", inputs, OnnxGraphBuilder.integer("transB", 1));
        } else if (layer instanceof BatchNormLayer bn) {
            long c = bn.getGamma().getArray().getShape().get(0);
            return g.node("BatchNormalization", "batchnorm", List.of(in,
                    g.weights("bn_scale", bn.getGamma().getArray().toFloatArray(), c),
                    g.weights("bn_bias", bn.getBeta().getArray().toFloatArray(), c),
                    g.weights("bn_mean", bn.getRunningMean().getArray().toFloatArray(), c),
                    g.weights("bn_var", bn.getRunningVar().getArray().toFloatArray(), c)),
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
        } else if (layer instanceof ResidualBlock res) {
            String main = sequence(g, res.getMain(), name + "/main", in);
            String shortcut = res.getShortcut() == null ? in : sequence(g, res.getShortcut(), name + "/shortcut", in);
            String sum = g.node("Add", "residual_add", List.of(main, shortcut));
            return g.node("Relu", "residual_relu", List.of(sum));
        } else if (layer instanceof GlobalMaxPoolLayer) {
            String pooled = g.node("GlobalMaxPool", "gmp", List.of(in));
            return g.node("Flatten", "gmp_flat", List.of(pooled), OnnxGraphBuilder.integer("axis", 1));
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
        List<String> inputs = new ArrayList<>(List.of(in, g.weights("conv_weight", w.toFloatArray(), w.getShape().getShape())));
        if (conv.isIncludeBias()) {
            NDArray b = param(conv, "bias");
            inputs.add(g.weights("conv_bias", b.toFloatArray(), b.getShape().getShape()));
        }
        return g.node("Conv", "conv", inputs, convAttributes(conv));
    }

    private static OnnxMl.AttributeProto[] convAttributes(Conv2d conv) {
        long[] k = conv.getKernelShape().getShape();
        long[] s = conv.getStride().getShape();
        long[] p = conv.getPadding().getShape();
        long[] d = conv.getDilation().getShape();
        return new OnnxMl.AttributeProto[] {OnnxGraphBuilder.ints("kernel_shape", k),
            OnnxGraphBuilder.ints("strides", s), OnnxGraphBuilder.ints("pads", p[0], p[1], p[0], p[1]),
            OnnxGraphBuilder.ints("dilations", d), OnnxGraphBuilder.integer("group", conv.getGroups())};
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

    /** Builder: the block and metadata are required; the rest is optional. */
    public static final class Builder {
        private Block block;
        private ModelMetadata metadata;
        private int opset = DEFAULT_OPSET;
        private boolean foldBatchNorm;
        private boolean float16Weights;
        private WeightStorage storage = WeightStorage.AUTO;

        /** Fold each BatchNorm that follows a convolution or linear layer into its weights (default off). */
        public Builder optFoldBatchNorm(boolean fold) {
            this.foldBatchNorm = fold;
            return this;
        }

        /**
         * Store the learned weights as float16 (half the file size); the graph casts them back, so inputs,
         * outputs and the computation stay float32 (default off).
         */
        public Builder optFloat16Weights(boolean float16) {
            this.float16Weights = float16;
            return this;
        }

        /** Where the weights go (default {@link WeightStorage#AUTO}). */
        public Builder optWeightStorage(WeightStorage storage) {
            this.storage = storage;
            return this;
        }

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
