package io.simforge.cli;

import io.simforge.core.io.Npy;
import io.simforge.infer.ExactIndex;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** Builds an exact search index from embeddings and their ids. */
@Command(name = "index", mixinStandardHelpOptions = true,
        description = "Build an exact search index (.sfindex) from a `simforge embed` folder, or from --embeddings and --ids.")
final class IndexCommand implements Callable<Integer> {
    @Parameters(index = "0", arity = "0..1", paramLabel = "EMBED_DIR",
            description = "A folder written by `simforge embed` (embeddings.npy + ids.txt).")
    Path dir;

    @Option(names = "--embeddings", description = "n × d .npy file (instead of EMBED_DIR).")
    Path embeddings;

    @Option(names = "--ids", description = "Text file with one id per line, in row order (instead of EMBED_DIR).")
    Path ids;

    @Option(names = "--metric", defaultValue = "cosine", description = "cosine (vectors are L2-normalised) or dot.")
    String metric;

    @Option(names = "--fp16", description = "Store vectors in half precision: half the memory and file size, scores "
            + "within about 1e-3.")
    boolean fp16;

    @Option(names = {"-o", "--out"}, required = true, description = "The index file to write.")
    Path out;

    @Override
    public Integer call() throws Exception {
        Path e = embeddings != null ? embeddings : dir == null ? null : dir.resolve("embeddings.npy");
        Path i = ids != null ? ids : dir == null ? null : dir.resolve("ids.txt");
        if (e == null || i == null) {
            throw new IllegalArgumentException("give a folder written by `simforge embed`, or --embeddings and --ids");
        }
        Npy.FloatArray vectors = Npy.readFloats(e);
        List<String> idList = Files.readAllLines(i);
        if (idList.size() != vectors.rows()) {
            throw new IllegalArgumentException(i + " holds " + idList.size() + " ids but " + e + " has " + vectors.rows()
                    + " rows");
        }
        ExactIndex index = new ExactIndex(vectors.rowSize(), ExactIndex.Metric.valueOf(metric.toUpperCase(Locale.ROOT)),
                fp16 ? ExactIndex.Storage.FLOAT16 : ExactIndex.Storage.FLOAT32);
        index.addAll(idList, vectors.values());
        index.save(out);
        System.out.printf(Locale.ROOT, "Wrote %s: %d items of %d dimensions (%s, %s)%n", out, index.size(),
                index.dimension(), metric, index.storage().name().toLowerCase(Locale.ROOT));
        return 0;
    }
}
