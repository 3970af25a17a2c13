package io.simforge.hnsw;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.simforge.core.error.InvalidInputException;
import io.simforge.infer.AttributeFilter;
import io.simforge.infer.VectorIndex;
import io.simforge.infer.VectorIndex.Hit;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.apache.lucene.codecs.KnnVectorsFormat;
import org.apache.lucene.codecs.lucene912.Lucene912Codec;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.KnnFloatVectorField;
import org.apache.lucene.document.StoredField;
import org.apache.lucene.document.StringField;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.Term;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.KnnFloatVectorQuery;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.store.FSDirectory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BulkLoadTest {
    @TempDir
    Path tmp;

    @Test
    void bulkLoadLeavesOneSegmentWithAGraphAndKeepsRecall() {
        int dim = 24;
        int n = 2500;
        float[] g = Vectors.clustered(new Random(11), n, dim, 30, 0.6);
        float[] q = Vectors.clustered(new Random(12), 100, dim, 30, 0.6);
        List<List<String>> truth = Vectors.bruteForce(g, q, dim, 10, true, null);
        for (HnswIndex.Storage storage : HnswIndex.Storage.values()) {
            for (int threads : new int[] {1, 2}) { // one thread: a single graphless segment, which Lucene won't merge
                try (HnswIndex index = HnswIndex.builder().setFolder(tmp.resolve(storage + "-" + threads))
                        .setDimension(dim).optStorage(storage).optThreads(threads).build()) {
                    index.bulkLoad(Vectors.ids(n), g, null);
                    String what = storage + ", " + threads + " threads";
                    assertEquals(List.of(storage == HnswIndex.Storage.INT8 ? "Lucene99HnswScalarQuantizedVectorsFormat"
                            : SimforgeHnswVectorsFormat.NAME), index.segmentFormats(), what);
                    assertEquals(n, index.visibleSize(), what);
                    double recall = recall(index.search(q, 10, AttributeFilter.ALL, 200), truth);
                    assertTrue(recall >= (storage == HnswIndex.Storage.INT8 ? 0.9 : 0.95), what + ": " + recall);
                }
                try (HnswIndex reopened = HnswIndex.open(tmp.resolve(storage + "-" + threads))) { // committed
                    assertEquals(n, reopened.size());
                }
            }
        }
    }

    @Test
    void bulkLoadIntoAnIndexWithItemsMergesThemAll() {
        int dim = 16;
        float[] g = Vectors.clustered(new Random(13), 3000, dim, 20, 0.6);
        try (HnswIndex index = HnswIndex.builder().setFolder(tmp.resolve("two")).setDimension(dim).build()) {
            List<String> ids = Vectors.ids(3000);
            index.addAll(ids.subList(0, 1000), java.util.Arrays.copyOf(g, 1000 * dim), null);
            index.commit();
            index.remove("item-5");
            index.bulkLoad(ids.subList(1000, 3000), java.util.Arrays.copyOfRange(g, 1000 * dim, 3000 * dim), null);
            assertEquals(List.of(SimforgeHnswVectorsFormat.NAME), index.segmentFormats());
            assertEquals(2999, index.visibleSize());
            float[] q = Vectors.clustered(new Random(14), 50, dim, 20, 0.6);
            boolean[] allowed = new boolean[3000];
            java.util.Arrays.fill(allowed, true);
            allowed[5] = false;
            assertTrue(recall(index.search(q, 10, AttributeFilter.ALL, 200),
                    Vectors.bruteForce(g, q, dim, 10, true, allowed)) >= 0.95);
            // a bad item adds none of the load
            float[] bad = new float[2 * dim];
            bad[3] = Float.NaN;
            assertThrows(InvalidInputException.class, () -> index.bulkLoad(List.of("x", "y"), bad, null));
            assertEquals(2999, index.size());
        }
    }

    /** Hits carry their own ids across segments, after deletes and merges, whatever the ids' characters. */
    @Test
    void hitsCarryTheirIdsAcrossSegmentsDeletesAndMerges() {
        int dim = 8;
        int n = 60;
        float[] g = Vectors.clustered(new Random(17), n, dim, 6, 0.8);
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            ids.add(i == 0 ? "" : i % 3 == 0 ? "bild-" + i + "-äöü-日本" : "item-" + i);
        }
        try (HnswIndex index = HnswIndex.builder().setFolder(tmp.resolve("ids")).setDimension(dim).optThreads(1)
                .build()) {
            for (int part = 0; part < 3; part++) { // three segments
                for (int i = part * 20; i < (part + 1) * 20; i++) {
                    index.add(ids.get(i), java.util.Arrays.copyOfRange(g, i * dim, (i + 1) * dim), Map.of());
                }
                index.commit();
            }
            assertEquals(3, index.segments());
            for (int round = 0; round < 2; round++) {
                for (int i = 0; i < n; i++) {
                    if (i % 5 == 4) {
                        continue; // removed below
                    }
                    // each item's own vector finds it first (beam = size: exact)
                    List<Hit> top = index.search(java.util.Arrays.copyOfRange(g, i * dim, (i + 1) * dim), 1,
                            AttributeFilter.ALL, n).get(0);
                    assertEquals(ids.get(i), top.get(0).id(), "round " + round + ", item " + i);
                }
                for (int i = 4; i < n; i += 5) {
                    index.remove(ids.get(i));
                }
                index.refresh();
                if (round == 0) {
                    index.forceMerge();
                    assertEquals(1, index.segments());
                }
            }
        }
    }

    /**
     * The graphless segments on their own, through plain Lucene: every search is an exact scan, so the answer is the
     * float64 brute force's, deleted and filtered-out items excluded; and it survives a reopen (found by its name).
     */
    @Test
    void graphlessSegmentsAreSearchedExactly() throws Exception {
        int dim = 8;
        int n = 300;
        Random r = new Random(15);
        float[] g = Vectors.clustered(r, n, dim, 5, 0.8);
        float[] q = Vectors.clustered(new Random(16), 10, dim, 5, 0.8);
        KnnVectorsFormat format = new BulkLoadVectorsFormat();
        Path folder = tmp.resolve("flat");
        try (FSDirectory dir = FSDirectory.open(folder)) {
            IndexWriterConfig config = new IndexWriterConfig().setCodec(new Lucene912Codec() {
                @Override
                public KnnVectorsFormat getKnnVectorsFormatForField(String field) {
                    return format;
                }
            });
            try (IndexWriter w = new IndexWriter(dir, config)) {
                for (int i = 0; i < n; i++) {
                    Document d = new Document();
                    d.add(new StringField("id", "item-" + i, Field.Store.YES));
                    d.add(new StringField("half", i % 2 == 0 ? "even" : "odd", Field.Store.NO));
                    d.add(new KnnFloatVectorField("v", java.util.Arrays.copyOfRange(g, i * dim, (i + 1) * dim),
                            VectorSimilarityFunction.DOT_PRODUCT));
                    w.addDocument(d);
                    if (i == 150) {
                        w.flush(); // two segments
                    }
                }
                for (int i = 0; i < n; i += 7) {
                    w.deleteDocuments(new Term("id", "item-" + i));
                }
                w.commit();
            }
            try (DirectoryReader reader = DirectoryReader.open(dir)) {
                assertEquals(2, reader.leaves().size());
                IndexSearcher searcher = new IndexSearcher(reader);
                for (boolean filtered : new boolean[] {false, true}) {
                    boolean[] allowed = new boolean[n];
                    for (int i = 0; i < n; i++) {
                        allowed[i] = i % 7 != 0 && (!filtered || i % 2 == 0);
                    }
                    List<List<String>> truth = Vectors.bruteForce(g, q, dim, 5, false, allowed);
                    for (int i = 0; i < 10; i++) {
                        float[] query = java.util.Arrays.copyOfRange(q, i * dim, (i + 1) * dim);
                        ScoreDoc[] top = searcher.search(new KnnFloatVectorQuery("v", query, 5,
                                filtered ? new TermQuery(new Term("half", "even")) : null), 5).scoreDocs;
                        List<String> ids = new ArrayList<>();
                        for (ScoreDoc sd : top) {
                            ids.add(searcher.storedFields().document(sd.doc).get("id"));
                            int row = Integer.parseInt(ids.get(ids.size() - 1).substring(5));
                            assertEquals((1 + Vectors.score(g, row, q, i, dim, false)) / 2, sd.score, 1e-5);
                        }
                        assertEquals(truth.get(i), ids, "query " + i + (filtered ? ", filtered" : ""));
                    }
                }
            }
        }
    }

    private static double recall(List<List<Hit>> found, List<List<String>> truth) {
        double sum = 0;
        for (int i = 0; i < truth.size(); i++) {
            Set<String> t = new HashSet<>(truth.get(i));
            sum += found.get(i).stream().filter(h -> t.contains(h.id())).count() / (double) t.size();
        }
        return sum / truth.size();
    }
}
