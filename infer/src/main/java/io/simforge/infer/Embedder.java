package io.simforge.infer;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import io.simforge.core.device.DeviceSpec;
import io.simforge.core.error.InvalidInputException;
import io.simforge.core.error.SimforgeException;
import io.simforge.core.image.PixelSource;
import io.simforge.core.model.ModelMetadata;
import io.simforge.core.model.ModelSettings;
import io.simforge.core.model.Preprocessing;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Embeds images or feature vectors with an ONNX embedding model: a simforge export, a model adopted with
 * {@code simforge adopt}, or any other model given its {@link ModelSettings} (from flags, a sidecar JSON or Hugging
 * Face's {@code preprocessor_config.json} beside it: {@link ModelSettingsFiles}).
 *
 * <p>Opens the model once and checks, before anything is embedded, that the graph takes and returns what the settings
 * say (input name, rank and fixed sizes; an output of {@code [batch, size]}, or {@code [batch, tokens, size]} to pool).
 * One ONNX Runtime session serves every caller: {@code OrtSession.run} is thread-safe, so an {@code Embedder} may be
 * shared across threads. Inputs go to the runtime through direct, native-order buffers, batch by batch; a model with
 * a fixed batch size is fed that many items a call (the last call padded).
 *
 * <p>Non-finite values never pass: an input with a NaN or infinite value is refused naming its item and value
 * ({@link InvalidInputException}), and a NaN or infinite embedding from finite input — a damaged model — is an
 * {@link EmbedderException}. Every failure is a {@link SimforgeException}. {@link #close()} may be called more than
 * once; any other call after it is an {@link EmbedderException}.
 */
public final class Embedder implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(Embedder.class.getName());

    private final Path modelPath;
    private final OrtEnvironment env;
    private final OrtSession session;
    private final ModelSettings settings;
    private final ModelMetadata metadata;
    private final DeviceSpec device;
    private final int batchSize;
    /** The batch the graph requires, 0 when its batch dimension is symbolic. */
    private final int fixedBatch;
    /** One item's dimensions as the graph takes them (H,W,C for NHWC). */
    private final long[] graphItemDims;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final String settingsSource;
    private final List<String> notes;

    private Embedder(Builder b) {
        modelPath = b.modelPath;
        if (!Files.isRegularFile(modelPath)) {
            throw new EmbedderException("model file not found: " + modelPath + ". Pass an .onnx file: one written by "
                    + "`simforge export` or `simforge quickstart` (runs/<name>/model.onnx), or any ONNX embedding model "
                    + "with its settings (see `simforge adopt`).");
        }
        env = OrtEnvironment.getEnvironment();
        OrtSessions.Opened opened;
        try {
            opened = OrtSessions.open((e, options) -> e.createSession(modelPath.toString(), options), b.device,
                    b.threads, modelPath.getFileName().toString());
        } catch (OrtException e) {
            throw new EmbedderException("cannot load " + modelPath + " as an ONNX model (" + e.getMessage().trim()
                    + "). The file is truncated, damaged or not ONNX, or its external data file (" + modelPath.getFileName()
                    + ".data) is missing: export or copy the model again.", e);
        } catch (IllegalArgumentException e) {
            throw new InvalidInputException(e.getMessage(), e);
        }
        session = opened.session();
        device = opened.device();
        try {
            Map<String, String> props = session.getMetadata().getCustomMetadata();
            ModelSettingsFiles.Resolved resolved = b.settings != null
                    ? new ModelSettingsFiles.Resolved(b.settings, "the settings given", List.of())
                    : ModelSettingsFiles.resolve(modelPath, props, ForeignModel.ports(session.getInputInfo()),
                            ForeignModel.ports(session.getOutputInfo()), b.overrides);
            ModelSettings declared = resolved.settings();
            settingsSource = resolved.source();
            notes = resolved.notes();
            Signature sig = checkSignature(declared);
            settings = declared.withEmbeddingSize(sig.embeddingSize);
            fixedBatch = sig.fixedBatch;
            graphItemDims = sig.graphItemDims;
            batchSize = fixedBatch > 0 ? fixedBatch : b.batchSize;
            metadata = b.settings == null && ModelMetadata.isSimforgeModel(props)
                    ? ModelMetadata.fromMap(props, modelPath.toString())
                    : settings.toModelMetadata(props.getOrDefault(ModelMetadata.KEY_PRODUCER, "unknown"), false, null);
        } catch (OrtException | RuntimeException e) {
            close();
            if (e instanceof SimforgeException s) {
                throw s;
            }
            throw new EmbedderException(e.getMessage(), e);
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    private record Signature(int embeddingSize, int fixedBatch, long[] graphItemDims) {}

    private Signature checkSignature(ModelSettings s) throws OrtException {
        Map<String, NodeInfo> inputs = session.getInputInfo();
        Map<String, NodeInfo> outputs = session.getOutputInfo();
        NodeInfo in = inputs.get(s.inputName());
        if (in == null || !(in.getInfo() instanceof TensorInfo inInfo)) {
            throw new EmbedderException(modelPath + " has no tensor input named '" + s.inputName() + "'; its inputs are "
                    + ForeignModel.describe(inputs) + ". Name the one to feed (--input-name, or \"input\" in the "
                    + "settings file).");
        }
        NodeInfo out = outputs.get(s.outputName());
        if (out == null || !(out.getInfo() instanceof TensorInfo outInfo)) {
            throw new EmbedderException(modelPath + " has no tensor output named '" + s.outputName() + "'; its outputs "
                    + "are " + ForeignModel.describe(outputs) + ". Name the embedding output (--output-name, or "
                    + "\"output\" in the settings file).");
        }
        OnnxJavaType expectedType = s.inputKind() == ModelMetadata.InputKind.IMAGE_UINT8 ? OnnxJavaType.UINT8
                : OnnxJavaType.FLOAT;
        if (inInfo.type != expectedType) {
            throw new EmbedderException(modelPath + ": input '" + s.inputName() + "' takes " + inInfo.type + " values, "
                    + "but the settings describe " + (expectedType == OnnxJavaType.UINT8 ? "8-bit pixels" : "float32 "
                    + "values") + "; simforge feeds float32 (or uint8 for 8-bit image input) tensors.");
        }
        long[] inShape = inInfo.getShape();
        int[] item = s.itemShape();
        long[] graphItem = new long[item.length];
        for (int i = 0; i < item.length; i++) {
            graphItem[i] = item[i];
        }
        if (s.inputKind().isImage() && s.layout() == ModelSettings.Layout.NHWC) {
            graphItem = new long[] {item[1], item[2], item[0]};
        }
        if (inShape.length != graphItem.length + 1) {
            throw new EmbedderException(modelPath + ": input '" + s.inputName() + "' has rank " + inShape.length + " "
                    + Arrays.toString(inShape) + ", but the settings describe items of shape " + Arrays.toString(item)
                    + (s.inputKind().isImage() ? " (" + s.layout() + ")" : "") + ", so it needs rank "
                    + (graphItem.length + 1) + ". Check the model's input or the settings (layout, input size).");
        }
        for (int i = 0; i < graphItem.length; i++) {
            if (inShape[i + 1] > 0 && inShape[i + 1] != graphItem[i]) {
                throw new EmbedderException(modelPath + ": input '" + s.inputName() + "' has shape "
                        + Arrays.toString(inShape) + " but the settings give items of " + Arrays.toString(graphItem)
                        + " (" + (s.inputKind().isImage() ? s.layout() + ", " + s.channelOrder() : "vectors")
                        + "). Fix the settings (channels, input size, layout) to match the model.");
            }
        }
        int fixed = inShape[0] > 0 ? (int) Math.min(inShape[0], Integer.MAX_VALUE) : 0;
        long[] outShape = outInfo.getShape();
        int wantRank = s.pooling() == ModelSettings.Pooling.NONE ? 2 : 3;
        if (outShape.length != wantRank) {
            throw new EmbedderException(ForeignModel.outputProblem(modelPath, s, outShape));
        }
        long last = outShape[outShape.length - 1];
        int size = s.embeddingSize();
        if (last > 0 && size > 0 && last != size) {
            throw new EmbedderException(modelPath + " is not an embedding model of size " + size + ": its output '"
                    + s.outputName() + "' has shape " + Arrays.toString(outShape) + ", expected [batch, " + size + "].");
        }
        if (last > 0) {
            size = (int) last;
        }
        if (size <= 0) {
            size = probeEmbeddingSize(s, fixed, graphItem);
        }
        return new Signature(size, fixed, graphItem);
    }

    /** The size of one embedding when the graph leaves it symbolic: one run on a zero item. */
    private int probeEmbeddingSize(ModelSettings s, int fixed, long[] graphItem) throws OrtException {
        long[] shape = new long[graphItem.length + 1];
        shape[0] = Math.max(1, fixed);
        System.arraycopy(graphItem, 0, shape, 1, graphItem.length);
        long values = Arrays.stream(shape).reduce(1, Math::multiplyExact);
        try (OnnxTensor x = s.inputKind() == ModelMetadata.InputKind.IMAGE_UINT8
                ? OnnxTensor.createTensor(env, ByteBuffer.allocateDirect((int) values), shape, OnnxJavaType.UINT8)
                : OnnxTensor.createTensor(env, FloatBuffer.allocate((int) values), shape);
                OrtSession.Result r = session.run(Map.of(s.inputName(), x), java.util.Set.of(s.outputName()))) {
            long[] got = ((OnnxTensor) r.get(0)).getInfo().getShape();
            return (int) got[got.length - 1];
        }
    }

    /** The model's facts as simforge metadata (a foreign model's: what its settings say). */
    public ModelMetadata metadata() {
        return metadata;
    }

    /** How this embedder runs its model (input, preprocessing, layout, pooling, normalisation). */
    public ModelSettings settings() {
        return settings;
    }

    /** Where the settings came from, e.g. "simforge metadata" or "net.simforge.json over the graph". */
    public String settingsSource() {
        return settingsSource;
    }

    /** What the user should know about how the settings are applied (e.g. a resize filter simforge does not use). */
    public List<String> notes() {
        return notes;
    }

    /** The model file. */
    public Path modelPath() {
        return modelPath;
    }

    /** The device the session actually runs on (CPU after a CUDA fallback). */
    public DeviceSpec device() {
        return device;
    }

    /** Items per ONNX Runtime call (a model with a fixed batch size: that size). */
    public int batchSize() {
        return batchSize;
    }

    public int embeddingSize() {
        return settings.embeddingSize();
    }

    /**
     * Embeds already-preprocessed inputs: per item, the values {@link #imagePreprocessor()} writes (C,H,W, RGB, for
     * any layout and channel order: the embedder rearranges them for the graph), or a feature vector. For a model that
     * takes 8-bit pixels: raw pixel values 0–255, rounded to bytes.
     *
     * @param inputs row-major {@code n × itemSize}
     * @return row-major {@code n × embeddingSize}
     * @throws InvalidInputException when the length is not a whole number of items, or a value is NaN or infinite
     *     (named by row and column)
     */
    public float[] embed(float[] inputs) {
        ensureOpen();
        int itemSize = settings.itemSize();
        if (inputs.length % itemSize != 0) {
            throw new InvalidInputException("input length " + inputs.length + " is not a multiple of the model's item "
                    + "size " + itemSize + " (shape " + Arrays.toString(settings.itemShape()) + ")");
        }
        InvalidInputException.requireFinite(inputs, itemSize, "input");
        return embedInBatches(inputs.length / itemSize, (from, count, out) -> System.arraycopy(inputs,
                from * itemSize, out, 0, count * itemSize));
    }

    /** Embeds rows of already-preprocessed inputs ({@link #embed(float[])}), one embedding per row. */
    public Embeddings embedVectors(float[][] rows) {
        ensureOpen();
        int itemSize = settings.itemSize();
        float[] flat = new float[Math.multiplyExact(rows.length, itemSize)];
        for (int i = 0; i < rows.length; i++) {
            if (rows[i] == null || rows[i].length != itemSize) {
                throw new InvalidInputException("row " + i + " has " + (rows[i] == null ? "no" : rows[i].length)
                        + " values; the model takes " + itemSize + " per item");
            }
            System.arraycopy(rows[i], 0, flat, i * itemSize, itemSize);
        }
        return Embeddings.wrap(embed(flat), embeddingSize());
    }

    /** Embeds decoded images held in memory, preprocessing each as the model's settings say. */
    public float[] embed(PixelSource images) {
        ensureOpen();
        Preprocessing pre = imagePreprocessing();
        boolean raw = settings.inputKind() == ModelMetadata.InputKind.IMAGE_UINT8;
        return embedInBatches(images.size(), (from, count, out) -> {
            if (raw) {
                for (int i = 0; i < count; i++) {
                    images.copyPixels(from + i, out, i * pre.imageSize());
                }
            } else {
                images.inputs(pre, from, count, out, 0);
            }
        });
    }

    /**
     * What this model's {@link #embed(float[])} takes for one image: normalised values, or raw pixel values
     * 0–255 for a model that takes 8-bit pixels and normalises inside its graph.
     */
    public ImagePreprocessor imagePreprocessor() {
        ensureOpen();
        return new ImagePreprocessor(imagePreprocessing(), settings.inputKind() != ModelMetadata.InputKind.IMAGE_UINT8);
    }

    /**
     * Embeds decoded pictures, each converted, resized and normalised as the model's settings say (see
     * {@link ImagePreprocessor}).
     *
     * @return row-major {@code pictures.size() × embeddingSize}
     */
    public float[] embed(List<BufferedImage> pictures) {
        ensureOpen();
        ImagePreprocessor images = imagePreprocessor();
        int size = images.inputSize();
        return embedInBatches(pictures.size(), (from, count, out) -> {
            for (int i = 0; i < count; i++) {
                BufferedImage picture = pictures.get(from + i);
                if (picture == null) {
                    throw new InvalidInputException("picture " + (from + i) + " is null");
                }
                images.toInput(picture, out, i * size);
            }
        });
    }

    /** Embeds one decoded picture. */
    public float[] embed(BufferedImage picture) {
        return embed(List.of(picture));
    }

    /** Embeds decoded pictures, one embedding per picture, in order. */
    public Embeddings embedImages(List<BufferedImage> pictures) {
        return Embeddings.wrap(embed(pictures), embeddingSize());
    }

    /**
     * Embeds one image file (JPEG, PNG, BMP, GIF).
     *
     * @throws InvalidInputException naming the file when it cannot be read or decoded
     */
    public float[] embed(Path imageFile) {
        return embedFiles(List.of(imageFile)).get(0);
    }

    /**
     * Embeds image files, one embedding per file, in order; decoded a batch at a time, so the list may be long.
     *
     * @throws InvalidInputException naming the first file that cannot be read or decoded (nothing is returned)
     */
    public Embeddings embedFiles(List<Path> imageFiles) {
        ensureOpen();
        ImagePreprocessor images = imagePreprocessor();
        int size = images.inputSize();
        return Embeddings.wrap(embedInBatches(imageFiles.size(), (from, count, out) -> {
            for (int i = 0; i < count; i++) {
                Path file = imageFiles.get(from + i);
                try {
                    images.toInput(ImagePreprocessor.decode(file), out, i * size);
                } catch (IOException e) {
                    throw new InvalidInputException("image " + (from + i) + ", " + file + ": " + e.getMessage(), e);
                }
            }
        }), embeddingSize());
    }

    private Preprocessing imagePreprocessing() {
        Preprocessing pre = settings.preprocessing();
        if (pre == null) {
            throw new InvalidInputException(modelPath + " takes feature vectors, not images: embed vectors with "
                    + "embed(float[])");
        }
        return pre;
    }

    private void ensureOpen() {
        if (closed.get()) {
            throw new EmbedderException("this Embedder (" + modelPath + ") is closed; build a new one to embed again");
        }
    }

    /** Writes items {@code [from, from + count)} as model inputs (C,H,W, RGB) into {@code out} from index 0. */
    @FunctionalInterface
    private interface BatchFiller {
        void fill(int from, int count, float[] out);
    }

    private float[] embedInBatches(int n, BatchFiller filler) {
        int itemSize = settings.itemSize();
        int dim = settings.embeddingSize();
        float[] out = new float[Math.multiplyExact(n, dim)];
        int batch = Math.min(batchSize, Math.max(n, 1));
        int slots = fixedBatch > 0 ? fixedBatch : batch;
        float[] scratch = new float[batch * itemSize];
        // One direct buffer per call, reused for every batch: a fresh one per batch would hold native memory
        // until the next garbage collection, so a long extraction would climb in resident memory.
        FloatBuffer buf = ByteBuffer.allocateDirect(slots * itemSize * Float.BYTES).order(ByteOrder.nativeOrder())
                .asFloatBuffer();
        for (int start = 0; start < n; start += batch) {
            int count = Math.min(batch, n - start);
            filler.fill(start, count, scratch);
            checkFinite(scratch, count, itemSize, start);
            buf.clear();
            arrange(scratch, count, buf);
            for (int pad = count; pad < slots; pad++) {
                buf.put(new float[itemSize]); // a fixed batch: zero items after the last, their outputs dropped
            }
            buf.flip();
            runBatch(buf, count, slots, out, start);
        }
        return out;
    }

    private static void checkFinite(float[] values, int count, int itemSize, int first) {
        for (int i = 0; i < count * itemSize; i++) {
            if (!Float.isFinite(values[i])) {
                throw new InvalidInputException("input item " + (first + i / itemSize) + ", value " + i % itemSize
                        + " is " + values[i] + ": every input value must be a finite number");
            }
        }
    }

    /** Puts C,H,W RGB items into the graph's order: channels swapped for BGR, axes moved for NHWC. */
    private void arrange(float[] items, int count, FloatBuffer buf) {
        int itemSize = settings.itemSize();
        boolean bgr = settings.channelOrder() == ModelSettings.ChannelOrder.BGR;
        boolean nhwc = settings.inputKind().isImage() && settings.layout() == ModelSettings.Layout.NHWC;
        if (!bgr && !nhwc) {
            buf.put(items, 0, count * itemSize);
            return;
        }
        int[] shape = settings.itemShape();
        int c = shape[0];
        int plane = shape[1] * shape[2];
        for (int i = 0; i < count; i++) {
            int base = i * itemSize;
            if (nhwc) {
                for (int p = 0; p < plane; p++) {
                    for (int ch = 0; ch < c; ch++) {
                        buf.put(items[base + (bgr ? c - 1 - ch : ch) * plane + p]);
                    }
                }
            } else {
                for (int ch = 0; ch < c; ch++) {
                    buf.put(items, base + (c - 1 - ch) * plane, plane);
                }
            }
        }
    }

    private void runBatch(FloatBuffer buf, int count, int slots, float[] out, int first) {
        long[] shape = new long[graphItemDims.length + 1];
        shape[0] = slots;
        System.arraycopy(graphItemDims, 0, shape, 1, graphItemDims.length);
        int dim = settings.embeddingSize();
        try (OnnxTensor tensor = settings.inputKind() == ModelMetadata.InputKind.IMAGE_UINT8
                ? OnnxTensor.createTensor(env, toBytes(buf), shape, OnnxJavaType.UINT8)
                : OnnxTensor.createTensor(env, buf, shape);
                OrtSession.Result result = session.run(Map.of(settings.inputName(), tensor),
                        java.util.Set.of(settings.outputName()))) {
            OnnxTensor emb = (OnnxTensor) result.get(0);
            long[] got = emb.getInfo().getShape();
            FloatBuffer values = emb.getFloatBuffer();
            ForeignModel.pool(settings, got, values, count, dim, out, first * dim, modelPath);
        } catch (OrtException e) {
            throw new EmbedderException("ONNX Runtime failed to embed items " + first + " to " + (first + count - 1)
                    + " with " + modelPath + ": " + e.getMessage().trim(), e);
        }
        if (settings.l2Normalize()) {
            for (int i = 0; i < count; i++) {
                l2Normalise(out, (first + i) * dim, dim);
            }
        }
        for (int i = 0; i < count * dim; i++) {
            if (!Float.isFinite(out[first * dim + i])) {
                throw new EmbedderException(modelPath + " produced " + out[first * dim + i] + " in the embedding of "
                        + "item " + (first + i / dim) + " from finite input: the model's weights are damaged, or it "
                        + "overflows on this input. Nothing was returned; check the model with `simforge verify "
                        + modelPath + "`.");
            }
        }
    }

    private static void l2Normalise(float[] v, int off, int dim) {
        double norm = 0;
        for (int d = 0; d < dim; d++) {
            norm += (double) v[off + d] * v[off + d];
        }
        float inv = (float) (1 / Math.max(Math.sqrt(norm), 1e-12));
        for (int d = 0; d < dim; d++) {
            v[off + d] *= inv;
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

    /** Frees the session; a second call does nothing. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true) || session == null) {
            return;
        }
        try {
            session.close();
        } catch (OrtException e) {
            LOG.log(Level.WARNING, "closing the ONNX Runtime session failed: " + e.getMessage());
        }
    }

    /**
     * Builder: the model path is required; settings (for a model without simforge metadata or a settings file beside
     * it), device, threads and batch size are optional.
     */
    public static final class Builder {
        private Path modelPath;
        private ModelSettings settings;
        private PartialSettings overrides = PartialSettings.NONE;
        private DeviceSpec device = DeviceSpec.cpu();
        private int threads;
        private int batchSize = 64;

        public Builder setModelPath(Path modelPath) {
            this.modelPath = modelPath;
            return this;
        }

        /**
         * How to run the model, in place of what its metadata or a settings file beside it says (for a model that has
         * neither; {@link ModelSettingsFiles} reads both kinds of file).
         */
        public Builder optSettings(ModelSettings settings) {
            this.settings = settings;
            return this;
        }

        /**
         * Settings that win over the model's metadata and settings files field by field (what flags give); the rest
         * comes from those sources as usual.
         */
        public Builder optOverrides(PartialSettings overrides) {
            this.overrides = overrides == null ? PartialSettings.NONE : overrides;
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

        /** Items per ONNX Runtime call (default 64; a model with a fixed batch size uses that). */
        public Builder optBatchSize(int batchSize) {
            this.batchSize = batchSize;
            return this;
        }

        /**
         * Opens the model and checks it.
         *
         * @throws InvalidInputException for a missing path, a batch size below 1 or threads below 0
         * @throws EmbedderException when the model cannot be opened or does not fit its settings
         */
        public Embedder build() {
            if (modelPath == null) {
                throw new InvalidInputException("Embedder needs a model path (setModelPath)");
            }
            if (batchSize <= 0) {
                throw new InvalidInputException("batch size must be at least 1, got " + batchSize);
            }
            if (threads < 0) {
                throw new InvalidInputException("threads must be 0 (every core) or more, got " + threads);
            }
            if (device == null) {
                throw new InvalidInputException("device must not be null (DeviceSpec.cpu() is the default)");
            }
            return new Embedder(this);
        }
    }
}
