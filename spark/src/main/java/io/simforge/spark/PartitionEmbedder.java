package io.simforge.spark;

import io.simforge.core.device.DeviceSpec;
import io.simforge.core.image.Images;
import io.simforge.infer.Embedder;
import io.simforge.infer.ImagePreprocessor;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.util.LongAccumulator;

/**
 * The executor side of {@link EmbeddingTransformer}: reads one partition in batches (decode and preprocess each row,
 * embed the rows that loaded in one ONNX Runtime call), and returns the same rows in the same order with an embedding
 * and an error column appended. Rows stream through: a partition is never held in memory whole.
 */
final class PartitionEmbedder implements MapPartitionsFunction<Row, Row> {
    private static final long serialVersionUID = 1L;

    /** The accumulators the transformer reports progress with. */
    record Counters(LongAccumulator embedded, LongAccumulator rejected, LongAccumulator bytesRead)
            implements Serializable {}

    private final Broadcast<ModelFiles> model;
    private final EmbeddingTransformer.InputKind kind;
    private final int inputIndex;
    private final int idIndex;
    private final String device;
    private final int threads;
    private final int batchSize;
    private final boolean vectorOutput;
    private final Counters counters;

    PartitionEmbedder(Broadcast<ModelFiles> model, EmbeddingTransformer.InputKind kind, int inputIndex, int idIndex,
            String device, int threads, int batchSize, boolean vectorOutput, Counters counters) {
        this.model = model;
        this.kind = kind;
        this.inputIndex = inputIndex;
        this.idIndex = idIndex;
        this.device = device;
        this.threads = threads;
        this.batchSize = batchSize;
        this.vectorOutput = vectorOutput;
        this.counters = counters;
    }

    @Override
    public Iterator<Row> call(Iterator<Row> rows) {
        ModelFiles files = model.value();
        DeviceSpec on = ExecutorEmbedders.deviceFor(device, TaskContext.get());
        Embedder embedder = ExecutorEmbedders.get(files, on, threads, batchSize);
        ImagePreprocessor images = kind == EmbeddingTransformer.InputKind.ENCODED_IMAGE
                || kind == EmbeddingTransformer.InputKind.SPARK_IMAGE ? embedder.imagePreprocessor() : null;
        int itemSize = files.itemSize();
        int dim = files.embeddingSize();
        return new Iterator<>() {
            private final List<Row> batch = new ArrayList<>(batchSize);
            private final String[] errors = new String[batchSize];
            private final float[] inputs = new float[batchSize * itemSize];
            private float[] embeddings = new float[0];
            private int[] slot = new int[batchSize]; // row → its embedding's row in the batch, -1 when rejected
            private int next;

            @Override
            public boolean hasNext() {
                if (next < batch.size()) {
                    return true;
                }
                fill();
                return !batch.isEmpty();
            }

            @Override
            public Row next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                int i = next++;
                Row row = batch.get(i);
                Object[] values = new Object[row.length() + 2];
                for (int c = 0; c < row.length(); c++) {
                    values[c] = row.get(c);
                }
                if (slot[i] >= 0) {
                    float[] e = java.util.Arrays.copyOfRange(embeddings, slot[i] * dim, (slot[i] + 1) * dim);
                    values[row.length()] = vectorOutput ? toVector(e) : e;
                } else {
                    values[row.length() + 1] = errors[i];
                }
                return RowFactory.create(values);
            }

            /** Reads the next batch of rows and embeds those that load. */
            private void fill() {
                batch.clear();
                next = 0;
                int loaded = 0;
                long bytes = 0;
                while (batch.size() < batchSize && rows.hasNext()) {
                    Row row = rows.next();
                    int i = batch.size();
                    batch.add(row);
                    errors[i] = null;
                    try {
                        bytes += load(row, images, inputs, loaded * itemSize, itemSize);
                        slot[i] = loaded++;
                    } catch (IOException | RuntimeException e) {
                        slot[i] = -1;
                        errors[i] = reason(row, e);
                    }
                }
                if (batch.isEmpty()) {
                    return;
                }
                embeddings = loaded == 0 ? new float[0]
                        : embedder.embed(loaded == batchSize ? inputs : java.util.Arrays.copyOf(inputs, loaded * itemSize));
                counters.embedded().add(loaded);
                counters.rejected().add(batch.size() - loaded);
                counters.bytesRead().add(bytes);
            }
        };
    }

    /** Writes one row's model input at {@code offset}; returns the bytes it read. */
    private long load(Row row, ImagePreprocessor images, float[] out, int offset, int itemSize) throws IOException {
        if (row.isNullAt(inputIndex)) {
            throw new IOException("the input is null");
        }
        switch (kind) {
            case ENCODED_IMAGE -> {
                byte[] bytes = (byte[]) row.get(inputIndex);
                images.toInput(Images.decode(bytes, name(row)), out, offset);
                return bytes.length;
            }
            case SPARK_IMAGE -> {
                Row image = row.getStruct(inputIndex);
                byte[] data = (byte[]) image.getAs("data");
                images.toInput(SparkImages.toBufferedImage(image), out, offset);
                return data.length;
            }
            case FLOAT_ARRAY -> {
                List<Float> v = row.getList(inputIndex);
                checkLength(v.size(), itemSize);
                for (int d = 0; d < itemSize; d++) {
                    out[offset + d] = v.get(d);
                }
                return (long) itemSize * Float.BYTES;
            }
            case DOUBLE_ARRAY -> {
                List<Double> v = row.getList(inputIndex);
                checkLength(v.size(), itemSize);
                for (int d = 0; d < itemSize; d++) {
                    out[offset + d] = v.get(d).floatValue();
                }
                return (long) itemSize * Double.BYTES;
            }
            case ML_VECTOR -> {
                Vector v = (Vector) row.get(inputIndex);
                checkLength(v.size(), itemSize);
                for (int d = 0; d < itemSize; d++) {
                    out[offset + d] = (float) v.apply(d);
                }
                return (long) itemSize * Double.BYTES;
            }
            default -> throw new IllegalStateException("unknown input kind " + kind);
        }
    }

    private static void checkLength(int length, int itemSize) throws IOException {
        if (length != itemSize) {
            throw new IOException("the vector has " + length + " values; the model takes " + itemSize);
        }
    }

    private String name(Row row) {
        return idIndex >= 0 && !row.isNullAt(idIndex) ? String.valueOf(row.get(idIndex)) : "the image";
    }

    private String reason(Row row, Exception e) {
        String message = e.getMessage() == null ? e.toString() : e.getMessage();
        if (idIndex >= 0 && !message.contains(name(row))) {
            return name(row) + ": " + message;
        }
        return message;
    }

    private static Vector toVector(float[] e) {
        double[] d = new double[e.length];
        for (int i = 0; i < e.length; i++) {
            d[i] = e[i];
        }
        return Vectors.dense(d);
    }
}
