package io.simforge.infer;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.simforge.core.device.DeviceSpec;
import io.simforge.core.error.InvalidInputException;
import io.simforge.core.error.SimforgeException;
import io.simforge.core.linalg.PackedRows;
import io.simforge.onnx.ScoringGraph;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Runs an {@link ExactIndex}'s exact search as an ONNX Runtime graph (matrix product + TopK), so that the
 * CUDA execution provider can do the scoring on a GPU; on the CPU it is an alternative to the Java kernel
 * with the same results. The index's vectors are copied once into a native tensor, and copied again only
 * after the index changes, so this costs a second copy of the vectors (as float32) while it is open.
 * Queries go in blocks of {@value #QUERY_BLOCK}, bounding the score matrix to that many rows.
 * Thread-safe for searches; close it to free the session and the copy.
 */
public final class OnnxIndexScorer implements AutoCloseable {
    static final int QUERY_BLOCK = 64;
    private static final System.Logger LOG = System.getLogger(OnnxIndexScorer.class.getName());

    private final OrtEnvironment env = OrtEnvironment.getEnvironment();
    private final OrtSession session;
    private final DeviceSpec device;
    private ExactIndex cachedFor;
    private long cachedVersion = -1;
    private OnnxTensor gallery;
    private OnnxTensor mask;
    private boolean closed;

    /**
     * @param device CPU, or CUDA (falls back to the CPU with one log line when the provider cannot start)
     * @param threads ONNX Runtime intra-op threads, 0 for its default
     */
    public OnnxIndexScorer(DeviceSpec device, int threads) {
        try {
            OrtSessions.Opened opened = OrtSessions.open((e, options) -> e.createSession(ScoringGraph.model(), options),
                    device, threads, "the index scoring graph");
            session = opened.session();
            this.device = opened.device();
        } catch (OrtException e) {
            throw new SimforgeException("ONNX Runtime cannot build the index scoring graph: " + e.getMessage(), e);
        } catch (IllegalArgumentException e) {
            throw new InvalidInputException(e.getMessage(), e);
        }
    }

    /** The device the scoring actually runs on. */
    public DeviceSpec device() {
        return device;
    }

    /** As {@link ExactIndex#search}, scored by ONNX Runtime. */
    public synchronized List<List<ExactIndex.Hit>> search(ExactIndex index, float[] queries, int k) {
        if (closed) {
            throw new SimforgeException("this OnnxIndexScorer is closed; create a new one to search");
        }
        ExactIndex.checkK(k);
        float[] q = index.prepareQueries(queries);
        int dim = index.dimension();
        int numQueries = q.length / dim;
        List<List<ExactIndex.Hit>> out = new ArrayList<>(numQueries);
        int n = index.size();
        if (n == 0) {
            for (int i = 0; i < numQueries; i++) {
                out.add(List.of());
            }
            return out;
        }
        int kk = Math.min(k, n);
        try {
            refresh(index);
            FloatBuffer qBuf = ByteBuffer.allocateDirect(Math.min(QUERY_BLOCK, numQueries) * dim * Float.BYTES)
                    .order(ByteOrder.nativeOrder()).asFloatBuffer();
            try (OnnxTensor kTensor = OnnxTensor.createTensor(env, LongBuffer.wrap(new long[] {kk}), new long[] {1})) {
                for (int start = 0; start < numQueries; start += QUERY_BLOCK) {
                    int count = Math.min(QUERY_BLOCK, numQueries - start);
                    qBuf.clear();
                    qBuf.put(q, start * dim, count * dim).flip();
                    try (OnnxTensor qTensor = OnnxTensor.createTensor(env, qBuf, new long[] {count, dim});
                            OrtSession.Result r = session.run(Map.of("queries", qTensor, "gallery", gallery, "mask",
                                    mask, "k", kTensor))) {
                        FloatBuffer scores = ((OnnxTensor) r.get("scores").orElseThrow()).getFloatBuffer();
                        LongBuffer rows = ((OnnxTensor) r.get("indices").orElseThrow()).getLongBuffer();
                        for (int i = 0; i < count; i++) {
                            List<ExactIndex.Hit> hits = new ArrayList<>(kk);
                            for (int j = 0; j < kk; j++) {
                                hits.add(new ExactIndex.Hit(index.idAt((int) rows.get(i * kk + j)), scores.get(i * kk + j)));
                            }
                            out.add(hits);
                        }
                    }
                }
            }
        } catch (OrtException e) {
            throw new SimforgeException("ONNX Runtime failed to score the index: " + e.getMessage(), e);
        }
        return out;
    }

    /** Copies the index's vectors into native tensors when this scorer has none, or an older copy. */
    private void refresh(ExactIndex index) throws OrtException {
        if (index == cachedFor && index.modifications() == cachedVersion) {
            return;
        }
        closeTensors();
        PackedRows packed = index.packedVectors();
        int blocks = packed.blocks();
        int dim = packed.dim();
        FloatBuffer g = ByteBuffer.allocateDirect(blocks * dim * PackedRows.BLOCK * Float.BYTES)
                .order(ByteOrder.nativeOrder()).asFloatBuffer();
        packed.copyBlocksTo(g);
        g.flip();
        float[] m = new float[blocks * PackedRows.BLOCK];
        java.util.Arrays.fill(m, packed.rows(), m.length, Float.NEGATIVE_INFINITY); // padding never ranks
        gallery = OnnxTensor.createTensor(env, g, new long[] {blocks, dim, PackedRows.BLOCK});
        mask = OnnxTensor.createTensor(env, FloatBuffer.wrap(m), new long[] {m.length});
        cachedFor = index;
        cachedVersion = index.modifications();
    }

    private void closeTensors() {
        if (gallery != null) {
            gallery.close();
            mask.close();
            gallery = null;
            mask = null;
        }
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        closeTensors();
        try {
            session.close();
        } catch (OrtException e) {
            LOG.log(Level.WARNING, "closing the index scoring session failed: " + e.getMessage());
        }
    }
}
