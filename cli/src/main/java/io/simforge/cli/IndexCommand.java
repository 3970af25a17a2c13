package io.simforge.cli;

import io.simforge.core.io.Npy;
import io.simforge.core.model.ModelMetadata;
import io.simforge.hnsw.HnswIndex;
import io.simforge.infer.ExactIndex;
import io.simforge.infer.VectorIndex;
import io.simforge.onnx.OnnxModelInfo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** Builds an exact or an approximate (HNSW) search index from embeddings and their ids. */
@Command(name = "index", mixinStandardHelpOptions = true, subcommands = IndexRecallCommand.class,
        description = "Build a search index from a `simforge embed` folder, or from --embeddings and --ids: exact "
                + "(.sfindex, the default) or approximate (--type hnsw: a folder, Lucene's HNSW graph, for galleries "
                + "past a million items).")
final class IndexCommand implements Callable<Integer> {
    /** The kinds of index. */
    enum Type { EXACT, HNSW }

    /** {@code exact} or {@code hnsw}, as the flag spells them. */
    static final class Types implements picocli.CommandLine.ITypeConverter<Type> {
        @Override
        public Type convert(String value) {
            for (Type t : Type.values()) {
                if (t.name().equalsIgnoreCase(value)) {
                    return t;
                }
            }
            throw new picocli.CommandLine.TypeConversionException("--type is exact or hnsw, got '" + value + "'");
        }
    }

    @Parameters(index = "0", arity = "0..1", paramLabel = "EMBED_DIR",
            description = "A folder written by `simforge embed` (embeddings.npy + ids.txt).")
    Path dir;

    @Option(names = "--embeddings", description = "n × d .npy file (instead of EMBED_DIR).")
    Path embeddings;

    @Option(names = "--ids", description = "Text file with one id per line, in row order (instead of EMBED_DIR).")
    Path ids;

    @Option(names = "--type", defaultValue = "exact", converter = Types.class, description = "exact (default) or hnsw (approximate).")
    Type type;

    @Option(names = "--metric", defaultValue = "cosine", description = "cosine (vectors are L2-normalised) or dot.")
    String metric;

    @Option(names = "--fp16", description = "Exact index: store vectors in half precision: half the memory and file "
            + "size, scores within about 1e-3.")
    boolean fp16;

    @Option(names = "--attributes", description = "Tab-separated file: an id, then key=value attributes (a category, "
            + "a shop) that `simforge search --filter` selects on. Items it does not name have none.")
    Path attributes;

    @Option(names = "--graph-degree", paramLabel = "<degree>", converter = Ranges.Positive.class,
            description = "HNSW: the graph degree, M in the HNSW paper and faiss (default 16; `--m` is the old "
                    + "spelling).")
    int m = 16;

    /** The old spelling of {@code --graph-degree}, kept working but out of the usage text. */
    @Option(names = "--m", hidden = true, converter = Ranges.Positive.class)
    void oldGraphDegree(int degree) {
        m = degree;
    }

    @Option(names = "--beam", converter = Ranges.Positive.class, defaultValue = "100",
            description = "HNSW: the beam width while building (faiss's efConstruction; default 100).")
    int beam;

    @Option(names = "--int8", description = "8-bit codes searched first, float32 vectors re-rank the candidates: "
            + "exact index: per-dimension codes as faiss's SQ8, results proven equal to float32's, memory float32's plus a "
            + "quarter; HNSW: Lucene's int8 "
            + "scalar quantisation for the graph.")
    boolean int8;

    @Option(names = {"-m", "--model"}, description = "HNSW: the .onnx model that embedded the items; its weights "
            + "checksum is recorded, and searching with another model is refused.")
    Path model;

    @Option(names = {"-o", "--out"}, description = "The index to write (required): a file (exact) or a new folder "
            + "(hnsw).")
    Path out;

    @Override
    public Integer call() throws Exception {
        if (out == null) {
            throw new IllegalArgumentException("give the index to write with -o (a file, or a folder for --type hnsw)");
        }
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
        List<Map<String, String>> attrs = attributes == null ? null : readAttributes(attributes, idList);
        VectorIndex.Metric m2 = VectorIndex.Metric.valueOf(metric.toUpperCase(Locale.ROOT));
        if (type == Type.EXACT) {
            if (model != null) {
                throw new IllegalArgumentException("--model is for --type hnsw");
            }
            if (int8 && fp16) {
                throw new IllegalArgumentException("give --fp16 or --int8, not both");
            }
            ExactIndex index = new ExactIndex(vectors.rowSize(), m2,
                    fp16 ? ExactIndex.Storage.FLOAT16 : int8 ? ExactIndex.Storage.INT8 : ExactIndex.Storage.FLOAT32);
            if (attrs == null) {
                index.addAll(idList, vectors.values());
            } else {
                index.reserve(idList.size());
                for (int r = 0; r < idList.size(); r++) {
                    index.add(idList.get(r), java.util.Arrays.copyOfRange(vectors.values(), r * vectors.rowSize(),
                            (r + 1) * vectors.rowSize()), attrs.get(r));
                }
            }
            index.save(out);
            System.out.printf(Locale.ROOT, "Wrote %s: %d items of %d dimensions (%s, %s)%n", out, index.size(),
                    index.dimension(), metric, index.storage().name().toLowerCase(Locale.ROOT));
            return 0;
        }
        if (fp16) {
            throw new IllegalArgumentException("--fp16 is for --type exact (an HNSW index has --int8)");
        }
        long t0 = System.nanoTime();
        try (HnswIndex index = HnswIndex.builder().setFolder(out).setDimension(vectors.rowSize()).optMetric(m2)
                .optM(m).optBeamWidth(beam).optStorage(int8 ? HnswIndex.Storage.INT8 : HnswIndex.Storage.FLOAT32)
                .optWeightsSha256(model == null ? null : weightsSha256(model)).build()) {
            index.bulkLoad(idList, vectors.values(), attrs);
            System.out.printf(Locale.ROOT, "Wrote %s: %d items of %d dimensions (HNSW, M %d, beam %d, %s, %s) in %.1f s%n",
                    out, index.size(), index.dimension(), m, beam, metric, int8 ? "int8" : "float32",
                    (System.nanoTime() - t0) / 1e9);
        }
        return 0;
    }

    /** The model's {@code simforge.weights_sha256}, or null when it has none. */
    static String weightsSha256(Path model) throws IOException {
        return OnnxModelInfo.read(model).metadata().get(ModelMetadata.KEY_WEIGHTS_SHA256);
    }

    /** Reads id TAB key=value TAB ... lines into per-row attribute maps. */
    static List<Map<String, String>> readAttributes(Path file, List<String> idList) throws IOException {
        Map<String, Integer> rows = new HashMap<>();
        for (int r = 0; r < idList.size(); r++) {
            rows.put(idList.get(r), r);
        }
        List<Map<String, String>> out = new ArrayList<>();
        for (int r = 0; r < idList.size(); r++) {
            out.add(Map.of());
        }
        List<String> lines = Files.readAllLines(file);
        for (int n = 0; n < lines.size(); n++) {
            if (lines.get(n).isBlank()) {
                continue;
            }
            String[] parts = lines.get(n).split("\t");
            Integer row = rows.get(parts[0]);
            if (row == null) {
                throw new IllegalArgumentException(file + " line " + (n + 1) + " names id '" + parts[0] + "', which is "
                        + "not among the items");
            }
            Map<String, String> a = new LinkedHashMap<>();
            for (int p = 1; p < parts.length; p++) {
                int eq = parts[p].indexOf('=');
                if (eq <= 0) {
                    throw new IllegalArgumentException(file + " line " + (n + 1) + ": '" + parts[p] + "' is not "
                            + "key=value (columns are separated by tabs)");
                }
                a.put(parts[p].substring(0, eq), parts[p].substring(eq + 1));
            }
            out.set(row, a);
        }
        return out;
    }
}
