package io.simforge.models;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import ai.djl.ndarray.types.DataType;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Runs a DJL embedding block in inference mode (BatchNorm on running statistics) over preprocessed
 * inputs, in batches. Training-side evaluation and the export parity check use it; apps use the ONNX
 * {@code Embedder} instead.
 */
public final class DjlEmbedder {
    private DjlEmbedder() {}

    /**
     * @param inputs row-major, {@code n × itemSize}, already preprocessed
     * @param itemShape one item's shape (C,H,W or D)
     * @return row-major {@code n × embeddingSize}
     */
    public static float[] embed(Block block, NDManager parent, float[] inputs, int[] itemShape, int batchSize) {
        int itemSize = 1;
        for (int d : itemShape) {
            itemSize *= d;
        }
        int n = inputs.length / itemSize;
        float[] out = null;
        int dim = -1;
        // One native buffer reused for every batch (see EmbeddingTrainer: heap data would be copied into a new
        // direct buffer per batch, whose memory is only returned at the next garbage collection).
        ByteBuffer batchBytes = ByteBuffer.allocateDirect(Math.min(batchSize, Math.max(n, 1)) * itemSize * Float.BYTES)
                .order(ByteOrder.nativeOrder());
        for (int start = 0; start < n; start += batchSize) {
            int count = Math.min(batchSize, n - start);
            try (NDManager manager = parent.newSubManager()) {
                long[] dims = new long[itemShape.length + 1];
                dims[0] = count;
                for (int i = 0; i < itemShape.length; i++) {
                    dims[i + 1] = itemShape[i];
                }
                batchBytes.clear();
                batchBytes.asFloatBuffer().put(inputs, start * itemSize, count * itemSize);
                batchBytes.limit(count * itemSize * Float.BYTES);
                NDArray x = manager.create(batchBytes, new Shape(dims), DataType.FLOAT32);
                NDArray y = block.forward(new ParameterStore(manager, false), new NDList(x), false).singletonOrThrow();
                float[] batch = y.toFloatArray();
                if (out == null) {
                    dim = (int) y.getShape().get(1);
                    out = new float[n * dim];
                }
                System.arraycopy(batch, 0, out, start * dim, count * dim);
            }
        }
        return out == null ? new float[0] : out;
    }
}
