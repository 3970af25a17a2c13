import io.simforge.core.io.Npy;
import io.simforge.hnsw.HnswIndex;
import io.simforge.infer.VectorIndex;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.AbstractList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * HnswIndex's two ways to build an index, in one JVM so that the shared machine's load falls on both alike: (a)
 * addAll on 2 threads then forceMerge (a graph per thread, then the smaller one's items inserted again into the
 * larger), (b) bulkLoad (graphless segments, then one graph built by the merge on 2 threads); alternating a and b
 * round by round on the first N rows of a gallery, reporting every round. Not part of the build:
 *
 *   java -Xmx6g --add-modules jdk.incubator.vector -cp 'cli/target/lib/*' bench/hnsw/BuildPathComparison.java \
 *       DATA_DIR 20000 2
 */
public class BuildPathComparison {
    public static void main(String[] args) throws Exception {
        Npy.FloatArray all = Npy.readFloats(Path.of(args[0]).resolve("gallery.npy"));
        int n = Integer.parseInt(args[1]);
        int rounds = Integer.parseInt(args[2]);
        int dim = all.rowSize();
        float[] gallery = Arrays.copyOf(all.values(), n * dim);
        List<String> ids = new AbstractList<>() {
            @Override
            public String get(int i) {
                return Integer.toString(i);
            }

            @Override
            public int size() {
                return n;
            }
        };
        System.out.printf(Locale.ROOT, "Java %s; %d x %d, M 16, efConstruction 100, 2 threads%n",
                System.getProperty("java.version"), n, dim);
        for (int r = 0; r < rounds; r++) {
            for (boolean bulk : new boolean[] {false, true}) {
                Path folder = Files.createTempDirectory("build-path");
                Files.delete(folder);
                long t0 = System.nanoTime();
                try (HnswIndex index = HnswIndex.builder().setFolder(folder).setDimension(dim)
                        .optMetric(VectorIndex.Metric.DOT).optM(16).optBeamWidth(100).optThreads(2)
                        .optRamBufferMb(2000).build()) {
                    if (bulk) {
                        index.bulkLoad(ids, gallery, null);
                    } else {
                        index.addAll(ids, gallery, null);
                        index.forceMerge();
                    }
                }
                System.out.printf(Locale.ROOT, "round %d, %s: %.1f s (load %s)%n", r + 1,
                        bulk ? "bulkLoad" : "addAll + forceMerge", (System.nanoTime() - t0) / 1e9,
                        Files.readString(Path.of("/proc/loadavg")).substring(0, 14));
                try (Stream<Path> files = Files.walk(folder)) {
                    for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                        Files.delete(p);
                    }
                }
            }
        }
    }
}
