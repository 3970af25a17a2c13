import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.lucene.index.BinaryDocValues;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.LeafReader;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.ReaderUtil;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.KnnFloatVectorQuery;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.TopKnnCollector;
import org.apache.lucene.store.FSDirectory;

/**
 * What HnswIndex's search path costs beyond Lucene's graph walk, measured in one JVM on one index so that the
 * shared machine's load falls on both sides alike: the same queries through (a) the query path HnswIndex used
 * before (IndexSearcher + KnnFloatVectorQuery per query, ids from doc values per hit) and (b) the path it uses now
 * (each segment's searchNearestVectors with a TopKnnCollector, ids read in doc order), alternating a and b round by
 * round, every query on 2 threads, reporting every round. Not part of the build:
 *
 *   java -Xmx4g --add-modules jdk.incubator.vector -cp 'cli/target/lib/*' bench/hnsw/SearchPathComparison.java \
 *       INDEX_DIR DATA_DIR 10,40 5
 *
 * INDEX_DIR: a float32 index `simforge bench hnsw ... --work INDEX_DIR` built (one segment); DATA_DIR: its queries.npy.
 */
public class SearchPathComparison {
    public static void main(String[] args) throws Exception {
        Path index = Path.of(args[0]);
        float[][] queries = readNpy(Path.of(args[1]).resolve("queries.npy"));
        int[] beams = Arrays.stream(args[2].split(",")).mapToInt(Integer::parseInt).toArray();
        int rounds = Integer.parseInt(args[3]);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try (FSDirectory dir = FSDirectory.open(index); DirectoryReader reader = DirectoryReader.open(dir)) {
            IndexSearcher searcher = new IndexSearcher(reader);
            List<LeafReaderContext> leaves = reader.leaves();
            System.out.printf(Locale.ROOT, "Java %s; %d docs in %d segments; %d queries, 2 threads%n",
                    System.getProperty("java.version"), reader.numDocs(), leaves.size(), queries.length);
            for (int warm = 0; warm < 3; warm++) {
                run(pool, queries, q -> viaQuery(searcher, q, 10, 64));
                run(pool, queries, q -> viaLeaves(leaves, q, 10, 64));
            }
            for (int beam : beams) {
                double[] a = new double[rounds];
                double[] b = new double[rounds];
                for (int r = 0; r < rounds; r++) {
                    a[r] = queries.length / run(pool, queries, q -> viaQuery(searcher, q, 10, beam));
                    b[r] = queries.length / run(pool, queries, q -> viaLeaves(leaves, q, 10, beam));
                }
                System.out.printf(Locale.ROOT, "beam %d: query path %s q/s; leaf path %s q/s; median ratio %.2f%n",
                        beam, Arrays.toString(round(a)), Arrays.toString(round(b)), median(b) / median(a));
            }
        } finally {
            pool.shutdownNow();
        }
    }

    interface Search {
        String[] ids(float[] query) throws Exception;
    }

    /** Seconds to search every query on the pool's 2 threads. */
    static double run(ExecutorService pool, float[][] queries, Search search) throws Exception {
        AtomicInteger next = new AtomicInteger();
        long t0 = System.nanoTime();
        List<Future<?>> parts = new ArrayList<>();
        for (int t = 0; t < 2; t++) {
            parts.add(pool.submit(() -> {
                for (int q = next.getAndIncrement(); q < queries.length; q = next.getAndIncrement()) {
                    search.ids(queries[q]);
                }
                return null;
            }));
        }
        for (Future<?> f : parts) {
            f.get();
        }
        return (System.nanoTime() - t0) / 1e9;
    }

    /** HnswIndex's former path. */
    static String[] viaQuery(IndexSearcher searcher, float[] q, int k, int beam) throws Exception {
        ScoreDoc[] top = searcher.search(new KnnFloatVectorQuery("vector", q, beam), k).scoreDocs;
        List<LeafReaderContext> leaves = searcher.getIndexReader().leaves();
        String[] out = new String[top.length];
        for (int i = 0; i < top.length; i++) {
            LeafReaderContext leaf = leaves.get(ReaderUtil.subIndex(top[i].doc, leaves));
            BinaryDocValues ids = leaf.reader().getBinaryDocValues("id");
            ids.advanceExact(top[i].doc - leaf.docBase);
            out[i] = ids.binaryValue().utf8ToString();
        }
        return out;
    }

    /** HnswIndex's path now (one segment: no merging of segments' results). */
    static String[] viaLeaves(List<LeafReaderContext> leaves, float[] q, int k, int beam) throws Exception {
        LeafReader reader = leaves.get(0).reader();
        TopKnnCollector collector = new TopKnnCollector(beam, Integer.MAX_VALUE);
        reader.searchNearestVectors("vector", q, collector, reader.getLiveDocs());
        ScoreDoc[] top = Arrays.copyOf(collector.topDocs().scoreDocs, k);
        ScoreDoc[] byDoc = top.clone();
        Arrays.sort(byDoc, (x, y) -> Integer.compare(x.doc, y.doc));
        BinaryDocValues ids = reader.getBinaryDocValues("id");
        String[] out = new String[k];
        for (int i = 0; i < k; i++) {
            ids.advanceExact(byDoc[i].doc);
            out[i] = ids.binaryValue().utf8ToString();
        }
        return out;
    }

    static long[] round(double[] x) {
        return Arrays.stream(x).mapToLong(Math::round).toArray();
    }

    static double median(double[] x) {
        double[] s = x.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    static float[][] readNpy(Path file) throws Exception {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer all = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size()).order(ByteOrder.LITTLE_ENDIAN);
            int headerLen = all.getShort(8) & 0xffff;
            byte[] header = new byte[headerLen];
            all.position(10).get(header);
            String h = new String(header, java.nio.charset.StandardCharsets.ISO_8859_1);
            String[] shape = h.substring(h.indexOf("'shape': (") + 10, h.indexOf(")", h.indexOf("'shape'")))
                    .split(",");
            int rows = Integer.parseInt(shape[0].trim());
            int cols = Integer.parseInt(shape[1].trim());
            float[][] out = new float[rows][cols];
            all.position(10 + headerLen);
            for (float[] row : out) {
                all.asFloatBuffer().get(row);
                all.position(all.position() + cols * 4);
            }
            return out;
        }
    }
}
