package io.simforge.export;

import ai.djl.nn.Block;
import ai.djl.nn.SequentialBlock;
import io.simforge.core.model.ModelMetadata;
import io.simforge.models.layers.L2NormLayer;
import io.simforge.models.onnx.OnnxNetworkWriter;
import io.simforge.models.onnx.UnsupportedLayerException;
import io.simforge.onnx.AttributeProto;
import io.simforge.onnx.ElementType;
import io.simforge.onnx.ExternalData;
import io.simforge.onnx.GraphBuilder;
import io.simforge.onnx.GraphProto;
import io.simforge.onnx.ModelProto;
import io.simforge.onnx.OnnxWriter;
import io.simforge.onnx.ValueInfoProto;
import io.simforge.onnx.WeightChecksum;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Translates a trained DJL embedding network into a standalone ONNX model: inference-mode semantics
 * (BatchNorm on running statistics), a dynamic batch dimension, the L2 normalisation inside the graph,
 * and the {@link ModelMetadata} in {@code metadata_props}.
 *
 * <p>Each layer becomes nodes through its {@link io.simforge.models.onnx.LayerCodec}. The whole graph is built in
 * memory before anything is written, so an unknown layer fails with {@link UnsupportedLayerException} and leaves
 * no file behind; the file itself is written atomically.
 */
public final class OnnxExporter {
    public static final int DEFAULT_OPSET = 17;
    static final int MIN_OPSET = ModelMetadata.MIN_OPSET;
    static final int MAX_OPSET = ModelMetadata.MAX_OPSET;
    /** IR version 8 is what opsets 17 and below are paired with; newer opsets need IR 10. */
    private static final int IR_VERSION_UP_TO_18 = 8;
    private static final int IR_VERSION_FROM_19 = 10;

    /** Models whose weights exceed this go to an external data file (one ONNX file holds at most 2 GiB). */
    static final long EXTERNAL_DATA_THRESHOLD = 1_800_000_000L;

    /** Where the weights go. */
    public enum WeightStorage {
        /** In the .onnx file, unless they would not fit in one ONNX file (then as EXTERNAL). */
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

    /**
     * Builds the ONNX model in memory.
     *
     * @throws UnsupportedLayerException when the network holds a layer without an ONNX codec
     */
    public ModelProto toModelProto() {
        GraphBuilder g = new GraphBuilder(float16Weights).setName("simforge_embedding");
        String input = metadata.inputName();
        long[] itemDims = java.util.Arrays.stream(metadata.itemShape()).asLongStream().toArray();
        if (metadata.inputKind() == ModelMetadata.InputKind.IMAGE_UINT8) {
            g.addInput(ValueInfoProto.batched(input, ElementType.UINT8, itemDims));
            input = preprocess(g, input, metadata.preprocessing());
        } else {
            g.addInput(ValueInfoProto.batched(input, ElementType.FLOAT, itemDims));
        }
        if (!(lastLayer(block) instanceof L2NormLayer)) {
            throw new IllegalArgumentException("the network does not end with an L2NormLayer, so it is not an embedding "
                    + "model for cosine retrieval; build it with io.simforge.models.Architecture");
        }
        String output = OnnxNetworkWriter.builder().optOpset(opset).optFoldBatchNorm(foldBatchNorm).build()
                .write(g, block, input);
        g.renameLastOutput(output, metadata.outputName());
        g.addOutput(ValueInfoProto.batched(metadata.outputName(), ElementType.FLOAT, metadata.embeddingSize()));

        GraphProto graph = g.build();
        ModelProto.Builder model = ModelProto.builder()
                .setIrVersion(opset <= 18 ? IR_VERSION_UP_TO_18 : IR_VERSION_FROM_19)
                .optProducer("simforge", metadata.producer())
                .optDocString("simforge embedding model: " + metadata.embeddingSize() + "-d, L2-normalised")
                .addOpsetImport("", opset)
                .setGraph(graph);
        for (Map.Entry<String, String> e : metadata.toMap().entrySet()) {
            model.addMetadata(e.getKey(), e.getValue());
        }
        try {
            model.addMetadata(ModelMetadata.KEY_WEIGHTS_SHA256, WeightChecksum.of(graph.initializers(), null));
        } catch (IOException e) {
            throw new IllegalStateException("inline weights cannot fail to read", e);
        }
        model.addMetadata(ModelMetadata.KEY_EXPORT_OPTIONS, "{\"opset\":" + opset + ",\"fold_batchnorm\":" + foldBatchNorm
                + ",\"weights\":\"" + (float16Weights ? "float16" : "float32") + "\",\"inputs_outputs\":\"float32\"}");
        return model.build();
    }

    /**
     * Builds the model and writes it atomically to {@code file}; with external weights, the data file
     * ({@code file}'s name + {@code .data}) is written first, then the model that points into it.
     */
    public void export(Path file) throws IOException {
        ModelProto model = toModelProto();
        long weightBytes = model.graph().initializers().stream().mapToLong(t -> t.rawData().remaining()).sum();
        boolean external = storage == WeightStorage.EXTERNAL
                || (storage == WeightStorage.AUTO && weightBytes > EXTERNAL_DATA_THRESHOLD);
        if (!external) {
            if (weightBytes > EXTERNAL_DATA_THRESHOLD) {
                throw new IOException(weightBytes + " bytes of weights do not fit in one ONNX file; export with external "
                        + "data (WeightStorage.AUTO or EXTERNAL)");
            }
            OnnxWriter.write(model, file);
            return;
        }
        OnnxWriter.write(ExternalData.write(model, file), file);
    }

    private static Block lastLayer(Block b) {
        Block last = b;
        while (last instanceof SequentialBlock seq && !seq.getChildren().isEmpty()) {
            last = seq.getChildren().get(seq.getChildren().size() - 1).getValue();
        }
        return last;
    }

    /** Raw 8-bit pixels → float → (x·scale − mean[c]) / std[c], exactly as {@link Preprocessing#apply} computes it. */
    private static String preprocess(GraphBuilder g, String in, io.simforge.core.model.Preprocessing p) {
        long c = p.channels();
        String x = g.node("Cast", "pixels_float", List.of(in), AttributeProto.ofInt("to", ElementType.FLOAT.number()));
        String scaled = g.node("Mul", "pixels_scaled", List.of(x, g.floats("scale", new float[] {p.scale()})));
        String centred = g.node("Sub", "pixels_centred", List.of(scaled, g.floats("mean", p.mean(), 1, c, 1, 1)));
        return g.node("Div", "pixels_normalised", List.of(centred, g.floats("std", p.std(), 1, c, 1, 1)));
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
