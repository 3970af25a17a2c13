package io.simforge.hnsw;

import java.io.IOException;
import java.util.concurrent.ExecutorService;
import org.apache.lucene.codecs.KnnVectorsFormat;
import org.apache.lucene.codecs.KnnVectorsReader;
import org.apache.lucene.codecs.KnnVectorsWriter;
import org.apache.lucene.codecs.hnsw.FlatVectorsFormat;
import org.apache.lucene.codecs.lucene99.Lucene99FlatVectorsFormat;
import org.apache.lucene.codecs.lucene99.Lucene99HnswVectorsFormat;
import org.apache.lucene.codecs.lucene99.Lucene99HnswVectorsReader;
import org.apache.lucene.codecs.lucene99.Lucene99HnswVectorsWriter;
import org.apache.lucene.index.SegmentReadState;
import org.apache.lucene.index.SegmentWriteState;
import org.apache.lucene.search.TaskExecutor;

/**
 * Lucene's HNSW vectors format (the files of {@link Lucene99HnswVectorsFormat}, byte for byte) with simforge's SIMD
 * scorer ({@link VectorApiFlatVectorsScorer}) for building, merging and searching. Lucene finds it by its name,
 * {@value #NAME}, recorded per field in the index (registered as a service), so a reopened index searches with the
 * same scorer; graph degree and beam width matter only when writing.
 */
public final class SimforgeHnswVectorsFormat extends KnnVectorsFormat {
    /** The name Lucene records for fields written in this format. */
    public static final String NAME = "SimforgeHnsw99";

    private final int maxConn;
    private final int beamWidth;
    private final int mergeWorkers;
    private final TaskExecutor mergeExecutor;
    private final FlatVectorsFormat flatFormat = new Lucene99FlatVectorsFormat(VectorApiFlatVectorsScorer.INSTANCE);

    /** Lucene's defaults (degree 16, beam 100), for reading: how Lucene's service loader creates it. */
    public SimforgeHnswVectorsFormat() {
        this(Lucene99HnswVectorsFormat.DEFAULT_MAX_CONN, Lucene99HnswVectorsFormat.DEFAULT_BEAM_WIDTH, 1, null);
    }

    /**
     * @param maxConn the graph degree M
     * @param beamWidth the beam width while building (faiss's efConstruction)
     * @param mergeWorkers threads that build a merged segment's graph (1: the merging thread alone)
     * @param mergeExecutor runs them when {@code mergeWorkers > 1}
     */
    public SimforgeHnswVectorsFormat(int maxConn, int beamWidth, int mergeWorkers, ExecutorService mergeExecutor) {
        super(NAME);
        this.maxConn = maxConn;
        this.beamWidth = beamWidth;
        this.mergeWorkers = mergeWorkers;
        this.mergeExecutor = mergeWorkers > 1 ? new TaskExecutor(mergeExecutor) : null;
    }

    @Override
    public KnnVectorsWriter fieldsWriter(SegmentWriteState state) throws IOException {
        return new Lucene99HnswVectorsWriter(state, maxConn, beamWidth, flatFormat.fieldsWriter(state), mergeWorkers,
                mergeExecutor);
    }

    @Override
    public KnnVectorsReader fieldsReader(SegmentReadState state) throws IOException {
        return new Lucene99HnswVectorsReader(state, flatFormat.fieldsReader(state));
    }

    @Override
    public int getMaxDimensions(String fieldName) {
        return 4096;
    }

    @Override
    public String toString() {
        return NAME + "(maxConn=" + maxConn + ", beamWidth=" + beamWidth + ", scorer=" + VectorApiFlatVectorsScorer.INSTANCE
                + ")";
    }
}
