package io.simforge.hnsw;

import java.io.IOException;
import org.apache.lucene.codecs.KnnVectorsFormat;
import org.apache.lucene.codecs.KnnVectorsReader;
import org.apache.lucene.codecs.KnnVectorsWriter;
import org.apache.lucene.codecs.hnsw.FlatVectorsFormat;
import org.apache.lucene.codecs.hnsw.FlatVectorsReader;
import org.apache.lucene.codecs.lucene99.Lucene99FlatVectorsFormat;
import org.apache.lucene.index.ByteVectorValues;
import org.apache.lucene.index.FloatVectorValues;
import org.apache.lucene.index.SegmentReadState;
import org.apache.lucene.index.SegmentWriteState;
import org.apache.lucene.search.KnnCollector;
import org.apache.lucene.util.Bits;
import org.apache.lucene.util.hnsw.RandomVectorScorer;

/**
 * The segments {@link HnswIndex#bulkLoad} writes before its merge: Lucene's flat vectors (the {@code .vec} file of
 * {@link Lucene99FlatVectorsFormat}) without a graph, searched by an exact scan. Building each indexing thread's
 * graph and then re-inserting all but the largest into the merged one costs about half again the inserts of
 * building the merged graph once; with these segments the merge (on all threads) builds the only graph. They are
 * complete segments: a commit keeps them, a reopened index searches them (exactly, so more slowly), the next merge
 * gives them a graph. Lucene finds the format by its name, {@value #NAME} (registered as a service).
 */
public final class BulkLoadVectorsFormat extends KnnVectorsFormat {
    /** The name Lucene records for fields written in this format. */
    public static final String NAME = "SimforgeBulk99";

    private final FlatVectorsFormat flatFormat = new Lucene99FlatVectorsFormat(VectorApiFlatVectorsScorer.INSTANCE);

    public BulkLoadVectorsFormat() {
        super(NAME);
    }

    @Override
    public KnnVectorsWriter fieldsWriter(SegmentWriteState state) throws IOException {
        return flatFormat.fieldsWriter(state);
    }

    @Override
    public KnnVectorsReader fieldsReader(SegmentReadState state) throws IOException {
        return new ExactScanReader(flatFormat.fieldsReader(state));
    }

    @Override
    public int getMaxDimensions(String fieldName) {
        return 4096;
    }

    @Override
    public String toString() {
        return NAME + "(flat vectors, exact scan, scorer=" + VectorApiFlatVectorsScorer.INSTANCE + ")";
    }

    /** Flat vectors searched by scoring every accepted one (Lucene's flat reader alone finds nothing). */
    private static final class ExactScanReader extends KnnVectorsReader {
        private final FlatVectorsReader flat;

        ExactScanReader(FlatVectorsReader flat) {
            this.flat = flat;
        }

        @Override
        public void checkIntegrity() throws IOException {
            flat.checkIntegrity();
        }

        @Override
        public FloatVectorValues getFloatVectorValues(String field) throws IOException {
            return flat.getFloatVectorValues(field);
        }

        @Override
        public ByteVectorValues getByteVectorValues(String field) throws IOException {
            return flat.getByteVectorValues(field);
        }

        @Override
        public void search(String field, float[] target, KnnCollector collector, Bits acceptDocs) throws IOException {
            scan(flat.getRandomVectorScorer(field, target), collector, acceptDocs);
        }

        @Override
        public void search(String field, byte[] target, KnnCollector collector, Bits acceptDocs) throws IOException {
            scan(flat.getRandomVectorScorer(field, target), collector, acceptDocs);
        }

        private static void scan(RandomVectorScorer scorer, KnnCollector collector, Bits acceptDocs)
                throws IOException {
            if (scorer == null) {
                return;
            }
            for (int ord = 0; ord < scorer.maxOrd() && !collector.earlyTerminated(); ord++) {
                int doc = scorer.ordToDoc(ord);
                if (acceptDocs == null || acceptDocs.get(doc)) {
                    collector.incVisitedCount(1);
                    collector.collect(doc, scorer.score(ord));
                }
            }
        }

        @Override
        public long ramBytesUsed() {
            return flat.ramBytesUsed();
        }

        @Override
        public void close() throws IOException {
            flat.close();
        }
    }
}
