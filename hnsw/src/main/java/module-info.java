/**
 * Approximate nearest-neighbour search on Apache Lucene's HNSW vectors, for galleries past exact scale: filtered
 * search, live updates with durable commits, int8 quantisation, and a SIMD scorer for Java 17. Apps that search
 * exactly need only {@code io.simforge.infer}; this module adds Lucene.
 */
module io.simforge.hnsw {
    requires transitive io.simforge.infer;
    requires org.apache.lucene.core;

    exports io.simforge.hnsw;

    provides org.apache.lucene.codecs.KnnVectorsFormat with io.simforge.hnsw.SimforgeHnswVectorsFormat,
            io.simforge.hnsw.BulkLoadVectorsFormat;

    // Gson reads and writes the manifest record.
    opens io.simforge.hnsw to com.google.gson;
}
