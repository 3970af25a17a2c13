import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.lucene.codecs.KnnVectorsFormat;
import org.apache.lucene.codecs.lucene103.Lucene103Codec;
import org.apache.lucene.codecs.lucene99.Lucene99HnswVectorsFormat;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.KnnFloatVectorField;
import org.apache.lucene.document.StoredField;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.KnnFloatVectorQuery;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.store.FSDirectory;

/**
 * The comparison row of `simforge bench hnsw`: plain Lucene 10.3.2 (its own SIMD scorer, on JDK 21+) building and
 * searching the same data the same way (M, efConstruction, two indexing threads, a merge into one segment with two
 * merge workers, the inner product, queries/s of all queries on two threads, the better of two runs after three
 * warm-up passes). Not part of the build:
 *
 *   /usr/lib/jvm/temurin-25-jdk-amd64/bin/java -Xmx8g --add-modules jdk.incubator.vector \
 *       -cp lucene-core-10.3.2.jar bench/lucene10/Lucene10Hnsw.java DATA_DIR WORK_DIR 16 100 10,20,40,80,160,320
 */
public class Lucene10Hnsw {
    public static void main(String[] args) throws Exception {
        Path data = Path.of(args[0]);
        Path work = Path.of(args[1]);
        int m = Integer.parseInt(args[2]);
        int efConstruction = Integer.parseInt(args[3]);
        float[][] gallery = readNpy(data.resolve("gallery.npy"));
        float[][] queries = readNpy(data.resolve("queries.npy"));
        float[][] truth = readNpy(data.resolve("truth.npy"));
        int threads = 2;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        ExecutorService merges = Executors.newFixedThreadPool(threads);
        KnnVectorsFormat format = new Lucene99HnswVectorsFormat(m, efConstruction, threads, merges);
        IndexWriterConfig config = new IndexWriterConfig().setCodec(new Lucene103Codec() {
            @Override
            public KnnVectorsFormat getKnnVectorsFormatForField(String field) {
                return format;
            }
        }).setRAMBufferSizeMB(2000).setUseCompoundFile(false);
        System.out.printf("Java %s, Lucene %s; %d x %d, M %d, efConstruction %d, %d threads%n",
                System.getProperty("java.version"), org.apache.lucene.util.Version.LATEST, gallery.length,
                gallery[0].length, m, efConstruction, threads);
        long t0 = System.nanoTime();
        try (FSDirectory dir = FSDirectory.open(work); IndexWriter writer = new IndexWriter(dir, config)) {
            AtomicInteger next = new AtomicInteger();
            List<Future<?>> parts = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                parts.add(pool.submit(() -> {
                    for (int i = next.getAndIncrement(); i < gallery.length; i = next.getAndIncrement()) {
                        Document doc = new Document();
                        doc.add(new StoredField("id", i));
                        doc.add(new KnnFloatVectorField("vector", gallery[i],
                                VectorSimilarityFunction.MAXIMUM_INNER_PRODUCT));
                        writer.addDocument(doc);
                    }
                    return null;
                }));
            }
            for (Future<?> f : parts) {
                f.get();
            }
            long t1 = System.nanoTime();
            writer.forceMerge(1);
            writer.commit();
            long t2 = System.nanoTime();
            System.out.printf("build %.1f s (adds %.1f s, merge to one segment %.1f s)%n", (t2 - t0) / 1e9,
                    (t1 - t0) / 1e9, (t2 - t1) / 1e9);
        }
        try (DirectoryReader reader = DirectoryReader.open(FSDirectory.open(work))) {
            IndexSearcher searcher = new IndexSearcher(reader);
            int[] ids = new int[reader.maxDoc()];
            for (int d = 0; d < ids.length; d++) {
                ids[d] = reader.storedFields().document(d).getField("id").numericValue().intValue();
            }
            System.out.println("| beam | queries/s | recall@10 |");
            System.out.println("|---|---|---|");
            for (int w = 0; w < 3; w++) {
                search(searcher, pool, queries, 64, threads);
            }
            for (String b : args[4].split(",")) {
                int beam = Integer.parseInt(b);
                int[][] found = null;
                double seconds = Double.MAX_VALUE;
                for (int run = 0; run < 2; run++) {
                    long s0 = System.nanoTime();
                    found = search(searcher, pool, queries, beam, threads);
                    seconds = Math.min(seconds, (System.nanoTime() - s0) / 1e9);
                }
                double recall = 0;
                for (int q = 0; q < queries.length; q++) {
                    Set<Integer> expected = new HashSet<>();
                    for (float t : truth[q]) {
                        expected.add((int) t);
                    }
                    for (int doc : found[q]) {
                        recall += expected.contains(ids[doc]) ? 0.1 : 0;
                    }
                }
                System.out.printf("| %d | %.0f | %.4f |%n", beam, queries.length / seconds, recall / queries.length);
            }
        }
        pool.shutdown();
        merges.shutdown();
    }

    static int[][] search(IndexSearcher searcher, ExecutorService pool, float[][] queries, int beam, int threads)
            throws Exception {
        int[][] out = new int[queries.length][];
        AtomicInteger next = new AtomicInteger();
        List<Future<?>> parts = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            parts.add(pool.submit(() -> {
                for (int q = next.getAndIncrement(); q < queries.length; q = next.getAndIncrement()) {
                    TopDocs top = searcher.search(new KnnFloatVectorQuery("vector", queries[q], beam), 10);
                    int[] docs = new int[top.scoreDocs.length];
                    int i = 0;
                    for (ScoreDoc sd : top.scoreDocs) {
                        docs[i++] = sd.doc;
                    }
                    out[q] = docs;
                }
                return null;
            }));
        }
        for (Future<?> f : parts) {
            f.get();
        }
        return out;
    }

    /** A little-endian float32 2-d .npy file. */
    static float[][] readNpy(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer head = ByteBuffer.allocate(10).order(ByteOrder.LITTLE_ENDIAN);
            ch.read(head, 0);
            int headerLen = head.getShort(8) & 0xffff;
            ByteBuffer hb = ByteBuffer.allocate(headerLen);
            ch.read(hb, 10);
            String header = new String(hb.array(), java.nio.charset.StandardCharsets.US_ASCII);
            String shape = header.substring(header.indexOf("(") + 1, header.indexOf(")"));
            String[] dims = shape.split(",");
            int rows = Integer.parseInt(dims[0].trim());
            int cols = Integer.parseInt(dims[1].trim());
            ByteBuffer body = ch.map(FileChannel.MapMode.READ_ONLY, 10 + headerLen, (long) rows * cols * 4)
                    .order(ByteOrder.LITTLE_ENDIAN);
            float[][] out = new float[rows][cols];
            for (float[] row : out) {
                for (int c = 0; c < cols; c++) {
                    row[c] = body.getFloat();
                }
            }
            return out;
        }
    }
}
