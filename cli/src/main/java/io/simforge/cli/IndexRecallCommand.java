package io.simforge.cli;

import io.simforge.core.io.Npy;
import io.simforge.hnsw.HnswIndex;
import io.simforge.hnsw.IndexRecall;
import io.simforge.infer.AttributeFilter;
import io.simforge.infer.ExactIndex;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** Recall@k of an HNSW index against exact search, per search beam. */
@Command(name = "recall", mixinStandardHelpOptions = true,
        description = "Recall@k of an HNSW index against exact search over the same items, for each search beam: "
                + "how to tune --beam of `simforge search` on your own data. Queries are --queries, or a sample of "
                + "the indexed vectors.")
final class IndexRecallCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "INDEX_DIR", description = "An HNSW index folder.")
    Path folder;

    @Option(names = "--queries", description = "Query vectors, n × d .npy (default: --sample indexed vectors).")
    Path queries;

    @Option(names = "--sample", converter = Ranges.Positive.class, defaultValue = "1000",
            description = "Indexed vectors to use as queries when --queries is not given (default 1000).")
    int sample;

    @Option(names = "-k", converter = Ranges.Positive.class, defaultValue = "10", description = "Results per query (default 10).")
    int k;

    @Option(names = "--beam", split = ",", defaultValue = "10,20,50,100,200",
            description = "Search beams to measure, comma-separated (default 10,20,50,100,200).")
    List<Integer> beams;

    @Option(names = "--filter", description = "Only items whose attributes match: key=value|value,key=value.")
    String filter;

    @Option(names = "--seed", defaultValue = "42", description = "Seed of the query sample (default 42).")
    long seed;

    @Override
    public Integer call() throws Exception {
        try (HnswIndex index = HnswIndex.open(folder)) {
            ExactIndex exact = index.toExactIndex();
            float[] q;
            if (queries != null) {
                Npy.FloatArray v = Npy.readFloats(queries);
                if (v.rowSize() != index.dimension()) {
                    throw new IllegalArgumentException(queries + " holds " + v.rowSize() + "-d vectors; " + folder
                            + " holds " + index.dimension() + "-d ones");
                }
                q = v.values();
            } else {
                q = IndexRecall.sampleStoredVectors(index, exact, sample, seed);
            }
            AttributeFilter f = AttributeFilter.parse(filter);
            System.out.printf(Locale.ROOT, "%s: %d items, %d queries, k %d%s%n", folder, exact.size(),
                    q.length / index.dimension(), k, f.acceptsAll() ? "" : ", filter " + f);
            System.out.println("  beam  recall@" + k + "  ms/query (approximate)  ms/query (exact)");
            for (int beam : beams) {
                IndexRecall.Result r = IndexRecall.measure(index, exact, q, k, beam, f);
                System.out.printf(Locale.ROOT, "  %4d  %8.4f  %22.3f  %16.3f%n", beam, r.recall(),
                        r.approximateMillis() / r.queries(), r.exactMillis() / r.queries());
            }
        }
        return 0;
    }

}
