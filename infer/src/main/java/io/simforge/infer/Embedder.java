package io.simforge.infer;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import io.simforge.core.device.DeviceSpec;
import io.simforge.core.image.PixelSource;
import io.simforge.core.model.ModelMetadata;
import io.simforge.core.model.Preprocessing;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Embeds images or feature vectors with an exported simforge ONNX model.
 *
 * <p>Opens the model once, reads its {@link ModelMetadata} (input shape, preprocessing, embedding size)
 * and checks that the graph really is an embedding model. One ONNX Runtime session serves every caller:
 * {@code OrtSession.run} is thread-safe, so an {@code Embedder} may be shared across threads. Inputs go
 * to the runtime through direct, native-order buffers, batch by batch.
 */
public final class Embedder implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(Embedder.class.getName());

    private final OrtEnvironment env;
    private final OrtSession session;
    private final ModelMetadata metadata;
    private final DeviceSpec device;
    private final int batchSize;
    private final long[] itemDims;

    private Embedder(Builder b) {
        Path path = b.modelPath;
        if (!Files.isRegularFile(path)) {
            throw new EmbedderException("model file not found: " + path + ". Pass the .onnx file written by "
                    + "`simforge export` or `simforge quickstart` (runs/<name>/model.onnx).");
        }
        env = OrtEnvironment.getEnvironment();
        OrtSessions.Opened opened;
        try {
            opened = OrtSessions.open((e, options) -> e.createSession(path.toString(), options), b.device, b.threads,
                    path.getFileName().toString());
        } catch (OrtException e) {
            throw new EmbedderException("cannot load " + path + " as an ONNX model (" + e.getMessage().trim()
                    + "). The file is truncated, damaged or not ONNX: export the model again.", e);
        }
        session = opened.session();
        device = opened.device();
        batchSize = b.batchSize;
        try {
            Map<String, String> props = session.getMetadata().getCustomMetadata();
            metadata = ModelMetadata.fromMap(props, path.toString());
            itemDims = checkSignature(path);
        } catch (OrtException | RuntimeException e) {
            close();
            if (e instanceof EmbedderException ee) {
                throw ee;
            }
            throw new EmbedderException(e.getMessage(), e);
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    private long[] checkSignature(Path path) throws OrtException {
        Map<String, NodeInfo> inputs = session.getInputInfo();
        Map<String, NodeInfo> outputs = session.getOutputInfo();
        NodeInfo in = inputs.get(metadata.inputName());
        NodeInfo out = outputs.get(metadata.outputName());
        if (inputs.size() != 1 || in == null || !(in.getInfo() instanceof TensorInfo inInfo)) {
            throw new EmbedderException(path + " is not a simforge embedding model: expected one tensor input named '"
                    + metadata.inputName() + "', found " + inputs.keySet() + ". Re-export it with `simforge export`.");
        }
        if (out == null || !(out.getInfo() instanceof TensorInfo outInfo)) {
            throw new EmbedderException(path + " is not a simforge embedding model: it has no tensor output named '"
                    + metadata.outputName() + "' (outputs: " + outputs.keySet() + "). Re-export it with `simforge export`.");
        }
        long[] inShape = inInfo.getShape();
        long[] outShape = outInfo.getShape();
        if (inShape.length != metadata.itemShape().length + 1) {
            throw new EmbedderException(path + ": input '" + metadata.inputName() + "' has rank " + inShape.length
                    + " but the metadata describes items of shape " + java.util.Arrays.toString(metadata.itemShape())
                    + "; the file is inconsistent, re-export it.");
        }
        if (outShape.length != 2 || (outShape[1] > 0 && outShape[1] != metadata.embeddingSize())) {
            throw new EmbedderException(path + " is not an embedding model of size " + metadata.embeddingSize()
                    + ": its output '" + metadata.outputName() + "' has shape " + java.util.Arrays.toString(outShape)
                    + ", expected [batch, " + metadata.embeddingSize() + "].");
        }
        return java.util.Arrays.stream(metadata.itemShape()).asLongStream().toArray();
    }

    public ModelMetadata metadata() {
        return metadata;
    }

    /** The device the session actually runs on (CPU after a CUDA fallback). */
    public DeviceSpec device() {
        return device;
    }

    /** Items per ONNX Runtime call. */
    public int batchSize() {
        return batchSize;
    }

    public int embeddingSize() {
        return metadata.embeddingSize();
    }

    /**
     * Embeds already-preprocessed inputs (for a model that takes 8-bit pixels: raw pixel values 0–255, which
     * are rounded to bytes).
     *
     * @param inputs row-major {@code n × itemSize}
     * @return row-major {@code n × embeddingSize}
     */
    public float[] embed(float[] inputs) {
        int itemSize = metadata.itemSize();
        if (inputs.length % itemSize != 0) {
            throw new IllegalArgumentException("input length " + inputs.length + " is not a multiple of the model's item size "
                    + itemSize + " (shape " + java.util.Arrays.toString(metadata.itemShape()) + ")");
        }
        return embedInBatches(inputs.length / itemSize, (from, count, buffer) -> buffer.put(inputs, from * itemSize, count * itemSize));
    }

    /** Embeds decoded images held in memory, preprocessing each as the model's metadata says. */
    public float[] embed(PixelSource images) {
        Preprocessing pre = metadata.preprocessing();
        if (pre == null) {
            throw new IllegalArgumentException("this model takes feature vectors, not images");
        }
        boolean raw = metadata.inputKind() == ModelMetadata.InputKind.IMAGE_UINT8;
        float[] scratch = new float[Math.min(batchSize, images.size()) * pre.imageSize()];
        return embedInBatches(images.size(), (from, count, buffer) -> {
            if (raw) {
                for (int i = 0; i < count; i++) {
                    images.copyPixels(from + i, scratch, i * pre.imageSize());
                }
            } else {
                images.inputs(pre, from, count, scratch, 0);
            }
            buffer.put(scratch, 0, count * pre.imageSize());
        });
    }

    /**
     * What this model's {@link #embed(float[])} takes for one image: normalised values, or raw pixel values
     * 0–255 for a model that takes 8-bit pixels and normalises inside its graph.
     */
    public ImagePreprocessor imagePreprocessor() {
        Preprocessing pre = metadata.preprocessing();
        if (pre == null) {
            throw new IllegalArgumentException("this model takes feature vectors, not images");
        }
        return new ImagePreprocessor(pre, metadata.inputKind() != ModelMetadata.InputKind.IMAGE_UINT8);
    }

    /**
     * Embeds decoded pictures, each converted, resized and normalised as the model's metadata says (see
     * {@link ImagePreprocessor}).
     */
    public float[] embed(java.util.List<java.awt.image.BufferedImage> pictures) {
        Preprocessing pre = metadata.preprocessing();
        if (pre == null) {
            throw new IllegalArgumentException("this model takes feature vectors, not images");
        }
        ImagePreprocessor images = imagePreprocessor();
        float[] scratch = new float[Math.min(batchSize, pictures.size()) * pre.imageSize()];
        return embedInBatches(pictures.size(), (from, count, buffer) -> {
            for (int i = 0; i < count; i++) {
                images.toInput(pictures.get(from + i), scratch, i * pre.imageSize());
            }
            buffer.put(scratch, 0, count * pre.imageSize());
        });
    }

    /** Fills a batch's input buffer with items {@code [from, from + count)}. */
    @FunctionalInterface
    private interface BatchFiller {
        void fill(int from, int count, FloatBuffer buffer);
    }

    private float[] embedInBatches(int n, BatchFiller filler) {
        int itemSize = metadata.itemSize();
        int dim = metadata.embeddingSize();
        float[] out = new float[n * dim];
        // One direct buffer per call, reused for every batch: a fresh one per batch would hold native memory
        // until the next garbage collection, so a long extraction would climb in resident memory.
        FloatBuffer buf = ByteBuffer.allocateDirect(Math.min(batchSize, Math.max(n, 1)) * itemSize * Float.BYTES)
                .order(ByteOrder.nativeOrder()).asFloatBuffer();
        for (int start = 0; start < n; start += batchSize) {
            int count = Math.min(batchSize, n - start);
            buf.clear();
            filler.fill(start, count, buf);
            buf.flip();
            runBatch(buf, count, out, start * dim);
        }
        return out;
    }

    private void runBatch(FloatBuffer buf, int count, float[] out, int offset) {
        long[] shape = new long[itemDims.length + 1];
        shape[0] = count;
        System.arraycopy(itemDims, 0, shape, 1, itemDims.length);
        try (OnnxTensor tensor = metadata.inputKind() == ModelMetadata.InputKind.IMAGE_UINT8
                ? OnnxTensor.createTensor(env, toBytes(buf), shape, ai.onnxruntime.OnnxJavaType.UINT8)
                : OnnxTensor.createTensor(env, buf, shape);
                OrtSession.Result result = session.run(Map.of(metadata.inputName(), tensor))) {
            OnnxTensor emb = (OnnxTensor) result.get(0);
            FloatBuffer values = emb.getFloatBuffer();
            int expected = count * metadata.embeddingSize();
            if (values.remaining() != expected) {
                throw new EmbedderException("the model returned " + values.remaining() + " values for " + count
                        + " items; expected " + expected + ". The file is not a valid simforge embedding model.");
            }
            values.get(out, offset, expected);
        } catch (OrtException e) {
            throw new EmbedderException("ONNX Runtime failed to embed a batch of " + count + ": " + e.getMessage(), e);
        }
    }

    /** Pixel values as bytes for an 8-bit input (rounded, clamped to 0–255). */
    private static ByteBuffer toBytes(FloatBuffer values) {
        ByteBuffer b = ByteBuffer.allocateDirect(values.remaining()).order(ByteOrder.nativeOrder());
        for (int i = values.position(); i < values.limit(); i++) {
            b.put((byte) Math.max(0, Math.min(255, Math.round(values.get(i)))));
        }
        return b.flip();
    }

    @Override
    public void close() {
        try {
            session.close();
        } catch (OrtException e) {
            LOG.log(Level.WARNING, "closing the ONNX Runtime session failed: " + e.getMessage());
        }
    }

    /** Builder: the model path is required; device, threads and batch size are optional. */
    public static final class Builder {
        private Path modelPath;
        private DeviceSpec device = DeviceSpec.cpu();
        private int threads;
        private int batchSize = 64;

        public Builder setModelPath(Path modelPath) {
            this.modelPath = modelPath;
            return this;
        }

        /** Where ONNX Runtime runs the model: the CPU (default) or one GPU, {@code cuda:N} (CPU if CUDA cannot start). */
        public Builder optDevice(DeviceSpec device) {
            this.device = device;
            return this;
        }

        /** Intra-op threads for ONNX Runtime; 0 (default) lets it use every core. */
        public Builder optThreads(int threads) {
            this.threads = threads;
            return this;
        }

        public Builder optBatchSize(int batchSize) {
            this.batchSize = batchSize;
            return this;
        }

        public Embedder build() {
            if (modelPath == null) {
                throw new IllegalArgumentException("Embedder needs a model path (setModelPath)");
            }
            if (batchSize <= 0 || threads < 0) {
                throw new IllegalArgumentException("batch size must be positive and threads >= 0, got "
                        + batchSize + " and " + threads);
            }
            return new Embedder(this);
        }
    }
}
