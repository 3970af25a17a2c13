package io.simforge.infer;

import io.simforge.core.error.InvalidInputException;
import io.simforge.core.error.SimforgeException;
import io.simforge.core.error.SimforgeIOException;
import io.simforge.core.error.UnreadableFileException;
import io.simforge.core.format.Format;
import io.simforge.core.format.FormatException;
import io.simforge.core.format.FormatInput;
import io.simforge.core.format.FormatOutput;
import io.simforge.core.io.AtomicFiles;
import io.simforge.core.linalg.Half;
import io.simforge.core.linalg.Int8Rows;
import io.simforge.core.linalg.PackedRows;
import io.simforge.core.search.ExactKnn;
import io.simforge.core.search.QuantizedSearch;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;
import java.util.stream.IntStream;
import java.util.zip.CRC32C;

/**
 * An exact nearest-neighbour index over (id, vector) items: add, remove by id, search a batch of queries
 * for the top k by cosine similarity or inner product, save and load.
 *
 * <p>Search is brute force in query blocks run on all cores ({@link ExactKnn}), so memory stays at the
 * vectors themselves (kept once, in the search kernel's layout) plus k results per query; ties go to the
 * item added earlier, up to removals, which move the last item into the freed slot. Vectors are stored as
 * float32, or as half precision ({@link Storage#FLOAT16}) for galleries that would not fit otherwise: half
 * the memory, scores within about 1e-3 of the float32 ones; {@link Storage#INT8} adds 8-bit codes to the float32
 * vectors, searched first and re-ranked exactly. With {@link Metric#COSINE} vectors are L2-normalised on the way
 * in and queries on the way to the search, so scores are cosine similarities.
 *
 * <p>Not thread-safe for writes: add and remove from one thread, or guard the index; concurrent searches
 * without writes are safe.
 *
 * <p>File format ({@link #FORMAT} version 6): simforge's binary header, int dimension, byte metric, byte storage (0
 * float32, 1 float16, 2 int8), int count, long byte count of the ids, then every item's id (a string: int length +
 * UTF-8 bytes), then the vectors in the search kernel's layout ({@link PackedRows#writeRaw}: blocks of 128 rows,
 * dimension-major, the last block padded with zeros, float32 for int8 storage) little-endian, for int8 storage then
 * the quantiser (dimension little-endian floats of offsets, then of steps) and the codes in the same layout
 * ({@link Int8Rows#writeRaw}), and the footer with the CRC32 of everything before it; the header's numbers and the
 * ids' lengths are big-endian. Loading reads the ids at once and the vectors straight into memory in chunks, each
 * copied into place on another core while the next is read. A foreign, newer, truncated or damaged file is refused
 * with a message that says which.
 *
 * <p>Items may carry string attributes ({@link #add(String, float[], Map)}), and a search may keep to the items an
 * {@link AttributeFilter} accepts: the exact answer that an approximate index's filtered search is compared with.
 * They are saved beside the index file, in {@code <file>.attributes} ({@link #ATTRIBUTES_FORMAT}: the header, int
 * count, per item with attributes its id, an int count and key-value string pairs, the footer), so the index file's
 * own format is unchanged; an index without attributes has no such file.
 *
 * <p>Every failure is a {@link SimforgeException}: {@link InvalidInputException} for vectors, queries or a k that
 * cannot be used (a NaN is named by row and column), {@link UnreadableFileException} for a file that is not an
 * index, newer or damaged, {@link SimforgeIOException} when reading or writing fails.
 */
public final class ExactIndex implements VectorIndex {
    /**
     * Versions 1 and 2 had their own header (magic {@code SFINDEX\0}, int version, int dimension, byte metric,
     * version 2 a storage byte, long count), the same items, and the CRC32C of everything before it as a trailing
     * long. Version 3 has the common header and footer, and each id followed by its vector. Version 4 keeps the ids
     * together and the vectors in the kernel's packed layout after them, so loading is a bulk copy. Version 5 adds
     * int8 storage (storage 2: the quantiser and the codes after the float32 vectors); its float32 and float16 files
     * are laid out as version 4's. Version 6 announces the ids' bytes and stores the vectors and the quantiser
     * little-endian, so loading copies them without converting. All six load.
     */
    public static final Format FORMAT = Format.of("simforge-index", 6);
    /** The companion file of an index whose items carry attributes: {@code <index file>.attributes}. */
    public static final Format ATTRIBUTES_FORMAT = Format.of("simforge-index-attributes", 1);
    private static final byte[] OLD_MAGIC = "SFINDEX\0".getBytes(StandardCharsets.US_ASCII);

    /** How vectors are kept in memory and on disk. */
    public enum Storage {
        /** Float32: exact scores. */
        FLOAT32,
        /** IEEE half precision: half the memory of float32, scores within about 1e-3. */
        FLOAT16,
        /**
         * The float32 vectors plus one byte per value (a scale and an offset per dimension, as faiss's {@code SQ8}):
         * a search ranks every item by the codes, re-ranks the best ones by the float32 vectors, and proves from a
         * bound on the codes' error that no item left out could be in the list ({@link QuantizedSearch}); a query
         * whose proof fails goes round again with more candidates. The results are therefore always {@link
         * #FLOAT32}'s, items, scores and ties, and come faster where the codes are scored faster (ONNX Runtime on
         * VNNI). Memory is float32's plus a quarter. The codes follow the data: after items are added or removed,
         * the next search quantises again with each dimension's new range (one pass over the vectors).
         */
        INT8
    }

    /**
     * With {@link Storage#INT8}, how many candidates per query the codes pick in a search's first round: this or 4 × k,
     * whichever is more. On 512-d random unit vectors (the benchmark's data) the proof needed about 100–200 at
     * 100,000 items and 200–400 at 1,000,000 (k = 10); a second round costs a whole scan of the codes for the queries
     * that need it, far more than the re-ranking of a few hundred candidates.
     */
    public static final int INT8_MIN_CANDIDATES = 256;

    /**
     * How a search over {@link Storage#INT8} scores the codes. Both pick candidates by the codes, re-rank them in
     * float32 and prove the list, so both give float32's results; they differ in speed only.
     */
    public enum Int8Scoring {
        /**
         * ONNX Runtime from {@link ExactIndex#INT8_ONNX_MIN_QUERIES} queries per call up, the Java kernel below. Each
         * slice of codes sits pre-packed in its own session, so a call to ONNX Runtime costs a pass over the packed
         * codes (about 3 ms at 100,000 × 512) and then little per query, as VNNI's integer products are 3–4×
         * float32's multiply-adds; the Java kernel starts lower (one query p50 2.4–2.5 ms) and its cost grows faster
         * with the queries. Measured on 2 cores of an Intel Xeon with AVX512-VNNI, 100,000 × 512, alternating
         * (docs/benchmarks.md, issue #18, 2026-12-03 20:15–20:17, load 5–9 with other work lowered): 1 query per call
         * p50 2.4–2.5 ms Java against 3.0–3.3 ms ONNX Runtime; 2 per call 8–10 ms against 5–7 ms; 10 per call 811–827
         * against 1,101–1,350 queries/s. ONNX Runtime is ahead from 2 queries per call in every round, so the switch
         * is at 2 (it was 24 while MLAS packed the codes on every call). Those runs had ONNX Runtime on one thread;
         * on both cores (now) its side is faster still, so the switch is not later than 2.
         */
        AUTO,
        /** Always the Java kernel (Vector API: codes widened to floats, fused multiply-adds). */
        JAVA,
        /**
         * Always ONNX Runtime's integer matrix product ({@code MatMulInteger}, MLAS: AVX512-VNNI or AMX where the CPU
         * has them) on the queries quantised to 8 bits; it keeps a second copy of the codes in native memory.
         */
        ONNX_RUNTIME
    }

    /** From this many queries per call, {@link Int8Scoring#AUTO} scores int8 codes with ONNX Runtime. */
    public static final int INT8_ONNX_MIN_QUERIES = 2;

    private static final System.Logger LOG = System.getLogger(ExactIndex.class.getName());

    private final int dim;
    private final Metric metric;
    private final Storage storage;
    private final PackedRows vectors;
    private final List<String> ids;
    private final Map<String, Integer> rows;
    /** The attributes of the items that have any, by id. */
    private final Map<String, Map<String, String>> attributes = new HashMap<>();
    /** Counts changes, so a scorer that copied the vectors knows when its copy is stale. */
    private volatile long modifications;
    /** {@link Storage#INT8}'s codes and the {@link #modifications} they were made at (guarded by this). */
    private Int8Rows codes;
    private long codesAt = -1;
    private volatile Int8Scoring int8Scoring = Int8Scoring.AUTO;
    /** The ONNX Runtime scorer of the codes, opened at its first use (guarded by this). */
    private OnnxInt8Scorer onnxScorer;
    /** Set when ONNX Runtime could not score the codes: every later search uses the Java kernel. */
    private volatile boolean onnxUnavailable;
    /** Opens {@link #onnxScorer}; tests replace it to see the fallback. */
    // Every core: parallel streams run on the common pool plus the calling thread, so the pool's parallelism (cores
    // − 1) would leave one idle during the runtime's products.
    static volatile Int8ScorerOpener int8Opener = () -> OnnxInt8Scorer.open(Runtime.getRuntime().availableProcessors());

    /** Opens an ONNX Runtime scorer of int8 codes. */
    @FunctionalInterface
    interface Int8ScorerOpener {
        OnnxInt8Scorer open() throws Exception;
    }

    /** An empty float32 index. */
    public ExactIndex(int dim, Metric metric) {
        this(dim, metric, Storage.FLOAT32);
    }

    public ExactIndex(int dim, Metric metric, Storage storage) {
        if (dim <= 0) {
            throw new InvalidInputException("dimension must be positive, got " + dim);
        }
        this.dim = dim;
        this.metric = metric;
        this.storage = storage;
        this.vectors = PackedRows.allocate(PackedRows.BLOCK, dim, storage == Storage.FLOAT16);
        this.ids = new ArrayList<>();
        this.rows = new HashMap<>();
    }

    /** A loaded index: its vectors, ids and rows as read (taken, not copied). */
    private ExactIndex(int dim, Metric metric, Storage storage, PackedRows vectors, List<String> ids,
            Map<String, Integer> rows) {
        this.dim = dim;
        this.metric = metric;
        this.storage = storage;
        this.vectors = vectors;
        this.ids = ids;
        this.rows = rows;
    }

    public Storage storage() {
        return storage;
    }

    /** Memory the vectors take, in bytes (with {@link Storage#INT8}, the float32 vectors and their codes). */
    public long vectorBytes() {
        Int8Rows c = storage == Storage.INT8 ? codes() : null;
        return vectors.bytes() + (c == null ? 0 : c.bytes());
    }

    /** How searches over {@link Storage#INT8} score the codes ({@link Int8Scoring#AUTO} unless set). */
    public Int8Scoring int8Scoring() {
        return int8Scoring;
    }

    /** Chooses how searches over {@link Storage#INT8} score the codes; other storages ignore it. */
    public void setInt8Scoring(Int8Scoring scoring) {
        this.int8Scoring = java.util.Objects.requireNonNull(scoring, "scoring");
    }

    /**
     * The scorer a search of {@code numQueries} queries uses now: {@link Int8Scoring#JAVA} or {@link
     * Int8Scoring#ONNX_RUNTIME} ({@code JAVA} for storages other than int8, and once ONNX Runtime has failed).
     */
    public Int8Scoring int8ScorerFor(int numQueries) {
        if (storage != Storage.INT8 || onnxUnavailable) {
            return Int8Scoring.JAVA;
        }
        return switch (int8Scoring) {
            case JAVA -> Int8Scoring.JAVA;
            case ONNX_RUNTIME -> Int8Scoring.ONNX_RUNTIME;
            case AUTO -> numQueries >= INT8_ONNX_MIN_QUERIES ? Int8Scoring.ONNX_RUNTIME : Int8Scoring.JAVA;
        };
    }

    /**
     * The candidates ONNX Runtime picks, or null when it cannot (not on the class path, no native library, a
     * product that saturates, a failed run): then this index logs why once and keeps to the Java kernel.
     */
    private QuantizedSearch.Candidates onnxCandidates(float[] q, Int8Rows c, int perQuery) {
        synchronized (this) {
            if (onnxScorer == null && !onnxUnavailable) {
                try {
                    onnxScorer = int8Opener.open();
                } catch (Exception | LinkageError e) {
                    giveUpOnnx("cannot open", e);
                }
            }
        }
        OnnxInt8Scorer scorer = onnxScorer;
        if (scorer == null) {
            return null;
        }
        try {
            return scorer.pick(q, c, perQuery);
        } catch (Exception | LinkageError e) {
            giveUpOnnx("failed in", e);
            return null;
        }
    }

    private synchronized void giveUpOnnx(String what, Throwable e) {
        if (!onnxUnavailable) { // one line, even when searches in flight fail together
            onnxUnavailable = true;
            LOG.log(System.Logger.Level.WARNING, "ONNX Runtime " + what + " int8 scoring (" + e + "); this index "
                    + "scores its int8 codes with the Java kernel from now on");
        }
        if (onnxScorer != null) {
            onnxScorer.close();
            onnxScorer = null;
        }
    }

    /** Frees the ONNX Runtime scorer of int8 codes, if one was opened; the index stays usable. */
    @Override
    public synchronized void close() {
        if (onnxScorer != null) {
            onnxScorer.close();
            onnxScorer = null;
        }
    }

    /** {@link Storage#INT8}'s codes of the current vectors, quantised again when the vectors changed. */
    private synchronized Int8Rows codes() {
        if (codesAt != modifications) {
            codes = Int8Rows.encode(vectors);
            codesAt = modifications;
        }
        return codes;
    }

    @Override
    public int dimension() {
        return dim;
    }

    @Override
    public Metric metric() {
        return metric;
    }

    @Override
    public int size() {
        return ids.size();
    }

    /** Makes room for {@code items} items in all, so that adding them copies nothing (big galleries). */
    public void reserve(int items) {
        vectors.ensureCapacity(items);
    }

    /** A copy of an item's stored vector (L2-normalised for {@link Metric#COSINE}), or null when absent. */
    public float[] vector(String id) {
        Integer row = rows.get(id);
        if (row == null) {
            return null;
        }
        float[] v = new float[dim];
        vectors.get(row, v, 0);
        return v;
    }

    public boolean contains(String id) {
        return rows.containsKey(id);
    }

    /** An item's attributes (empty when it has none), or null when the id is absent. */
    public Map<String, String> attributes(String id) {
        return rows.containsKey(id) ? attributes.getOrDefault(id, Map.of()) : null;
    }

    @Override
    public void add(String id, float[] vector, Map<String, String> itemAttributes) {
        AttributeFilter.checkAttributes(id, itemAttributes);
        add(id, vector);
        if (!itemAttributes.isEmpty()) {
            attributes.put(id, Map.copyOf(itemAttributes));
        }
    }

    /** Adds an item; an id that is already present is refused (remove it first to replace it). */
    @Override
    public void add(String id, float[] vector) {
        if (id == null) {
            throw new InvalidInputException("an item needs an id");
        }
        if (vector.length != dim) {
            throw new InvalidInputException("item '" + id + "' has " + vector.length + " values; this index holds "
                    + dim + "-d vectors");
        }
        if (rows.containsKey(id)) {
            throw new InvalidInputException("id '" + id + "' is already in the index; remove it first to replace it");
        }
        for (int d = 0; d < dim; d++) {
            if (!Float.isFinite(vector[d])) {
                throw new InvalidInputException("item '" + id + "' has " + vector[d] + " at column " + d
                        + "; an index holds finite vectors only");
            }
        }
        float[] v = vector;
        if (metric == Metric.COSINE) {
            v = vector.clone();
            metric.prepare(v, 0, dim);
        }
        int row = vectors.append(v, 0);
        ids.add(id);
        rows.put(id, row);
        modifications++;
    }

    /**
     * Adds {@code itemIds.size()} items whose vectors are row-major in {@code itemVectors}, all or none: checked
     * first (ids, finite values), then normalised and packed in parallel, the fast way to build a big index.
     */
    public void addAll(List<String> itemIds, float[] itemVectors) {
        int count = itemIds.size();
        if ((long) count * dim != itemVectors.length) {
            throw new InvalidInputException(count + " ids but " + itemVectors.length + " values, which is not "
                    + count + " vectors of dimension " + dim);
        }
        int bad = IntStream.range(0, count).parallel().filter(i -> !finiteRow(itemVectors, i)).findFirst().orElse(-1);
        if (bad >= 0) {
            int d = 0;
            while (Float.isFinite(itemVectors[bad * dim + d])) {
                d++;
            }
            throw new InvalidInputException("item '" + itemIds.get(bad) + "' (row " + bad + ") has "
                    + itemVectors[bad * dim + d] + " at column " + d + "; an index holds finite vectors only");
        }
        int first = ids.size();
        for (int i = 0; i < count; i++) {
            String id = itemIds.get(i);
            Integer before = id == null ? null : rows.putIfAbsent(id, first + i);
            if (id == null || before != null) {
                for (int j = 0; j < i; j++) { // nothing is added when one item is refused
                    rows.remove(itemIds.get(j));
                }
                throw new InvalidInputException(id == null ? "item " + i + " has no id" : "id '" + id + "' (item " + i
                        + ") is " + (before < first ? "already in the index" : "given twice"));
            }
        }
        float[] scale = null;
        if (metric == Metric.COSINE) {
            float[] s = new float[count];
            IntStream.range(0, count).parallel().forEach(i -> s[i] = Metric.inverseNorm(itemVectors, i * dim, dim));
            scale = s;
        }
        vectors.appendAll(itemVectors, count, scale);
        ids.addAll(itemIds);
        modifications++;
    }

    private boolean finiteRow(float[] v, int row) {
        for (int d = row * dim, end = d + dim; d < end; d++) {
            if (!Float.isFinite(v[d])) {
                return false;
            }
        }
        return true;
    }

    /** Removes an item; returns false when the id is not in the index. */
    @Override
    public boolean remove(String id) {
        Integer row = rows.remove(id);
        if (row == null) {
            return false;
        }
        attributes.remove(id);
        int last = ids.size() - 1;
        if (row != last) {
            float[] v = new float[dim];
            vectors.get(last, v, 0);
            vectors.set(row, v, 0);
            String moved = ids.get(last);
            ids.set(row, moved);
            rows.put(moved, row);
        }
        vectors.removeLast();
        ids.remove(last);
        modifications++;
        return true;
    }

    /**
     * The top {@code k} items for each query (row-major {@code numQueries × dim}), best first; fewer when the
     * index holds fewer than k items.
     *
     * @throws InvalidInputException when k is below 1, the length is not a whole number of {@code dim}-d queries, or a
     *     query has a NaN or infinite value (named by row and column)
     */
    @Override
    public List<List<Hit>> search(float[] queries, int k) {
        checkK(k);
        float[] q = prepareQueries(queries);
        int n = ids.size();
        int numQueries = q.length / dim;
        List<List<Hit>> out = new ArrayList<>(numQueries);
        if (n == 0) {
            for (int i = 0; i < numQueries; i++) {
                out.add(List.of());
            }
            return out;
        }
        int kk = Math.min(k, n);
        ExactKnn.Neighbours nb = storage == Storage.INT8 ? searchInt8(q, kk)
                : ExactKnn.searchWithScores(q, vectors, kk, -1);
        for (int i = 0; i < numQueries; i++) {
            List<Hit> hits = new ArrayList<>(nb.indices()[i].length);
            for (int r = 0; r < nb.indices()[i].length; r++) {
                hits.add(new Hit(ids.get(nb.indices()[i][r]), nb.scores()[i][r]));
            }
            out.add(hits);
        }
        return out;
    }

    private ExactKnn.Neighbours searchInt8(float[] q, int k) {
        Int8Rows c = codes();
        QuantizedSearch.CandidatePicker java = QuantizedSearch.javaKernel(c);
        // Chosen per round: a second round serves only the queries whose proof failed, usually a few.
        QuantizedSearch.CandidatePicker picker = (queries, perQuery) -> {
            if (int8ScorerFor(queries.length / dim) == Int8Scoring.ONNX_RUNTIME) {
                QuantizedSearch.Candidates picked = onnxCandidates(queries, c, perQuery);
                if (picked != null) {
                    return picked;
                }
            }
            return java.pick(queries, perQuery);
        };
        int first = (int) Math.min(c.rows(), Math.max(INT8_MIN_CANDIDATES, 4L * k));
        QuantizedSearch.Result result = QuantizedSearch.search(q, c, vectors, k, first, picker);
        LOG.log(System.Logger.Level.DEBUG, () -> "int8 search: " + result.requeried(first) + " of " + q.length / dim
                + " queries needed more than " + first + " candidates");
        return result.neighbours();
    }

    /**
     * The top {@code k} items for each query among those {@code filter} accepts: exactly, by scoring every matching
     * item (they are copied into a gallery of their own for the call).
     */
    @Override
    public List<List<Hit>> search(float[] queries, int k, AttributeFilter filter) {
        if (filter.acceptsAll()) {
            return search(queries, k);
        }
        checkK(k);
        float[] q = prepareQueries(queries);
        int numQueries = q.length / dim;
        List<Integer> matching = new ArrayList<>();
        for (int row = 0; row < ids.size(); row++) {
            if (filter.matches(attributes.getOrDefault(ids.get(row), Map.of()))) {
                matching.add(row);
            }
        }
        List<List<Hit>> out = new ArrayList<>(numQueries);
        if (matching.isEmpty()) {
            for (int i = 0; i < numQueries; i++) {
                out.add(List.of());
            }
            return out;
        }
        PackedRows subset = PackedRows.allocate(matching.size(), dim, false);
        float[] v = new float[dim];
        for (int row : matching) {
            vectors.get(row, v, 0);
            subset.append(v, 0);
        }
        ExactKnn.Neighbours nb = ExactKnn.searchWithScores(q, subset, Math.min(k, matching.size()), -1);
        for (int i = 0; i < numQueries; i++) {
            List<Hit> hits = new ArrayList<>(nb.indices()[i].length);
            for (int r = 0; r < nb.indices()[i].length; r++) {
                hits.add(new Hit(ids.get(matching.get(nb.indices()[i][r])), nb.scores()[i][r]));
            }
            out.add(hits);
        }
        return out;
    }

    static void checkK(int k) {
        if (k <= 0) {
            throw new InvalidInputException("k is the number of results per query and must be at least 1, got " + k);
        }
    }

    /** The queries as the scores need them (checked; L2-normalised copies for cosine). */
    float[] prepareQueries(float[] queries) {
        if (queries.length % dim != 0) {
            throw new InvalidInputException("query length " + queries.length + " is not a multiple of the index's "
                    + "dimension " + dim + ": queries must be " + dim + "-d, like the indexed vectors");
        }
        InvalidInputException.requireFinite(queries, dim, "query");
        if (metric != Metric.COSINE) {
            return queries;
        }
        float[] q = queries.clone();
        for (int off = 0; off < q.length; off += dim) {
            metric.prepare(q, off, dim);
        }
        return q;
    }

    PackedRows packedVectors() {
        return vectors;
    }

    long modifications() {
        return modifications;
    }

    String idAt(int row) {
        return ids.get(row);
    }

    /**
     * Writes the index atomically: a failed write leaves the file as it was. The items' attributes go to
     * {@code <file>.attributes}, written atomically after the index (and removed when no item has any).
     *
     * @throws SimforgeIOException when the file cannot be written
     */
    @Override
    public void save(Path file) {
        try {
            write(file);
            writeAttributes(attributesFile(file));
        } catch (IOException e) {
            throw new SimforgeIOException("cannot write the index to " + file + ": " + e.getMessage(), e);
        }
    }

    /** Where the attributes of the index saved in {@code indexFile} are kept. */
    public static Path attributesFile(Path indexFile) {
        return indexFile.resolveSibling(indexFile.getFileName() + ".attributes");
    }

    private void writeAttributes(Path file) throws IOException {
        if (attributes.isEmpty()) {
            Files.deleteIfExists(file); // a stale one would be read with this index
            return;
        }
        AtomicFiles.write(file, raw -> {
            FormatOutput out = FormatOutput.start(raw, ATTRIBUTES_FORMAT);
            out.writeInt(attributes.size());
            for (String id : ids) { // in row order, so the file is the same for the same index
                Map<String, String> a = attributes.get(id);
                if (a == null) {
                    continue;
                }
                out.writeString(id);
                out.writeInt(a.size());
                for (Map.Entry<String, String> e : new java.util.TreeMap<>(a).entrySet()) {
                    out.writeString(e.getKey());
                    out.writeString(e.getValue());
                }
            }
            out.finish();
        });
    }

    /** Reads {@code <file>.attributes} into a loaded index; every id in it must be one of the index's. */
    private void readAttributes(Path file) throws IOException {
        if (!Files.exists(file)) {
            return;
        }
        try (FormatInput in = FormatInput.open(file)) {
            in.checkHeader(ATTRIBUTES_FORMAT, 1);
            int items = in.readCount("the count of items with attributes", 2 * Integer.BYTES);
            for (int i = 0; i < items; i++) {
                String id = in.readString();
                if (!rows.containsKey(id)) {
                    throw in.damaged("it holds attributes of item '" + id + "', which its index does not hold (it "
                            + "belongs to another index, or the index was replaced after it)");
                }
                int n = in.readCount("item '" + id + "''s attribute count", 2 * Integer.BYTES);
                Map<String, String> a = new HashMap<>();
                for (int j = 0; j < n; j++) {
                    String key = in.readString();
                    if (key.isEmpty() || a.put(key, in.readString()) != null) {
                        throw in.damaged("item '" + id + "' has an empty or repeated attribute name '" + key + "'");
                    }
                }
                if (n == 0 || attributes.put(id, Map.copyOf(a)) != null) {
                    throw in.damaged("item '" + id + "' appears " + (n == 0 ? "without attributes" : "twice"));
                }
            }
            in.checkFooter();
        }
    }

    private void write(Path file) throws IOException {
        ByteArrayOutputStream idSection = new ByteArrayOutputStream(ids.size() * 16);
        DataOutputStream idOut = new DataOutputStream(idSection);
        for (String id : ids) { // as FormatOutput.writeString: int length, UTF-8
            byte[] b = id.getBytes(StandardCharsets.UTF_8);
            idOut.writeInt(b.length);
            idOut.write(b);
        }
        AtomicFiles.write(file, raw -> {
            FormatOutput out = FormatOutput.start(raw, FORMAT);
            out.writeInt(dim);
            out.writeByte(metric.ordinal());
            out.writeByte(storage.ordinal());
            out.writeInt(ids.size());
            out.writeLong(idSection.size());
            idSection.writeTo(out);
            vectors.writeRaw(out, ByteOrder.LITTLE_ENDIAN);
            if (storage == Storage.INT8) {
                Int8Rows c = codes();
                ByteBuffer quantiser = ByteBuffer.allocate(2 * dim * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
                quantiser.asFloatBuffer().put(c.low()).put(c.step());
                out.write(quantiser.array());
                c.writeRaw(out);
            }
            out.finish();
        });
    }

    /**
     * Reads an index written by {@link #save} (versions 1 to 6).
     *
     * @throws UnreadableFileException when the file is not an index, newer than this simforge, truncated or damaged
     * @throws SimforgeIOException when it cannot be read (missing, no permission)
     */
    public static ExactIndex load(Path file) {
        try {
            ExactIndex index = read(file);
            index.readAttributes(attributesFile(file));
            return index;
        } catch (IOException e) {
            throw SimforgeException.of(e);
        }
    }

    private static ExactIndex read(Path file) throws IOException {
        try (FormatInput in = FormatInput.open(file)) {
            if (in.startsWith(OLD_MAGIC)) {
                return loadVersion1Or2(file, in);
            }
            int version = in.checkHeader(FORMAT, 3);
            int dim = in.readInt();
            byte metric = in.readByte();
            byte storage = in.readByte();
            if (version == 3) {
                return readItems(in, dim, metric, storage, in.readInt(), in::checkFooter);
            }
            if (version == 4 && storage == Storage.INT8.ordinal()) {
                throw in.damaged("it says int8 storage, which version 4 did not have");
            }
            return readPacked(in, version, dim, metric, storage, in.readInt());
        } catch (NoSuchFileException e) {
            throw new IOException("index file not found: " + file, e);
        }
    }

    private static ExactIndex loadVersion1Or2(Path file, FormatInput in) throws IOException {
        checkOldChecksum(file, in);
        in.readLong(); // the magic, recognised
        int version = in.readInt();
        if (version != 1 && version != 2) {
            throw in.damaged("its old header says version " + version + ", but only versions 1 and 2 had that header");
        }
        int dim = in.readInt();
        byte metric = in.readByte();
        byte storage = version >= 2 ? in.readByte() : 0; // version 1 had float32 vectors only
        long count = in.readLong();
        return readItems(in, dim, metric, storage, count, () -> {
            if (in.remaining() != Long.BYTES) { // the checksum, already compared
                throw in.damaged(in.remaining() + " bytes follow its last item, where its checksum (8 bytes) belongs");
            }
        });
    }

    /** Versions 1 and 2 end with the CRC32C of everything before it; compared before anything is parsed. */
    private static void checkOldChecksum(Path file, FormatInput in) throws IOException {
        long data = Files.size(file) - Long.BYTES;
        if (data < OLD_MAGIC.length) {
            throw in.damaged("it is truncated, ending inside its header");
        }
        CRC32C crc = new CRC32C();
        byte[] buffer = new byte[1 << 16];
        try (InputStream raw = Files.newInputStream(file)) {
            for (long left = data; left > 0; left -= buffer.length) {
                int n = raw.readNBytes(buffer, 0, (int) Math.min(buffer.length, left));
                crc.update(buffer, 0, n);
            }
            byte[] stored = raw.readNBytes(Long.BYTES);
            if (stored.length != Long.BYTES || ByteBuffer.wrap(stored).getLong() != crc.getValue()) {
                throw in.damaged("its checksum does not match its content");
            }
        }
    }

    /** What ends a file: its footer, or the old format's checksum. */
    private interface Trailer {
        void check() throws IOException;
    }

    /** Reads the items after the header, each count checked against the bytes left before anything is allocated. */
    private static ExactIndex readItems(FormatInput in, int dim, byte metricId, byte storageId, long count,
            Trailer trailer) throws IOException {
        checkHeaderValues(in, dim, metricId, storageId);
        if (storageId == Storage.INT8.ordinal()) {
            throw in.damaged("it says int8 storage, which versions 1 to 3 did not have");
        }
        Storage storage = Storage.values()[storageId];
        long vectorBytes = (long) dim * (storage == Storage.FLOAT16 ? Short.BYTES : Float.BYTES);
        int n = (int) in.checkCount(count, Integer.BYTES + vectorBytes, "the item count");
        if (n == 0) { // no item bounds an empty index's dimension: trust it once the checksum has
            trailer.check();
            return new ExactIndex(dim, Metric.values()[metricId], storage);
        }
        if ((long) n * dim > Integer.MAX_VALUE - 8) {
            throw in.damaged("its header announces " + n + " vectors of dimension " + dim
                    + ", more than an index holds");
        }
        ExactIndex index = new ExactIndex(dim, Metric.values()[metricId], storage);
        index.vectors.ensureCapacity(n);
        float[] v = new float[dim];
        for (int i = 0; i < n; i++) {
            String id = in.readString();
            for (int d = 0; d < dim; d++) {
                v[d] = storage == Storage.FLOAT16 ? Half.toFloat(in.readShort()) : in.readFloat();
            }
            index.vectors.append(v, 0);
            if (index.rows.put(id, i) != null) {
                throw in.damaged("id '" + id + "' appears twice");
            }
            index.ids.add(id);
        }
        trailer.check();
        return index;
    }

    /**
     * Versions 4 to 6: the ids, then the vectors in the packed layout (and int8's quantiser and codes), read in bulk.
     * The vectors' array is allocated on another core while the ids are read (the JVM zeroes a new array: for 2 GiB,
     * about as long as reading the ids into their map). Version 6 announces the ids' bytes, so they are read at once
     * and parsed from memory, and stores the vectors little-endian, so taking them is a memory copy.
     */
    private static ExactIndex readPacked(FormatInput in, int version, int dim, byte metricId, byte storageId,
            long count) throws IOException {
        checkHeaderValues(in, dim, metricId, storageId);
        Storage storage = Storage.values()[storageId];
        boolean half = storage == Storage.FLOAT16;
        // Each item takes at least its id's length and its vector: checked before anything is allocated.
        int n = (int) in.checkCount(count, Integer.BYTES + (long) dim * (half ? Short.BYTES : Float.BYTES),
                "the item count");
        if ((long) n * dim > Integer.MAX_VALUE - 8 - (long) PackedRows.BLOCK * dim) {
            throw in.damaged("its header announces " + n + " vectors of dimension " + dim
                    + ", more than an index holds");
        }
        long raw = PackedRows.rawBytes(n, dim, half);
        ForkJoinTask<PackedRows> room = raw < ALLOCATE_APART ? null
                : ForkJoinPool.commonPool().submit(() -> PackedRows.allocate(n, dim, half));
        try {
            IdTable ids = version >= 6 ? IdTable.readSection(in, n, raw) : IdTable.read(in, n);
            if (in.remaining() < raw) {
                throw in.damaged("its vectors take " + raw + " bytes, more than the " + in.remaining() + " left");
            }
            PackedRows vectors = room == null ? PackedRows.allocate(n, dim, half) : room.join();
            vectors.readRaw(n, version >= 6 ? ByteOrder.LITTLE_ENDIAN : ByteOrder.BIG_ENDIAN, in::readBulk);
            Int8Rows codes = storage == Storage.INT8
                    ? readCodes(in, n, dim, version >= 6 ? ByteOrder.LITTLE_ENDIAN : ByteOrder.BIG_ENDIAN) : null;
            in.checkFooter();
            ExactIndex index = new ExactIndex(dim, Metric.values()[metricId], storage, vectors, ids.ids, ids.rows);
            if (codes != null) {
                index.codes = codes;
                index.codesAt = index.modifications;
            }
            return index;
        } finally {
            if (room != null) {
                room.cancel(false); // a damaged file: the array is not wanted (done already otherwise)
            }
        }
    }

    /** Vectors from this many bytes on get their array allocated on another core; below, handing over costs more. */
    static final long ALLOCATE_APART = 1 << 20;

    /** The ids in row order and the row of each id. */
    private record IdTable(List<String> ids, Map<String, Integer> rows) {
        private static IdTable empty(int n) {
            return new IdTable(new ArrayList<>(n), new HashMap<>(Math.max(16, (int) (n / 0.75f) + 1)));
        }

        private void add(FormatInput in, String id, int row) throws FormatException {
            if (rows.put(id, row) != null) {
                throw in.damaged("id '" + id + "' appears twice");
            }
            ids.add(id);
        }

        /** Versions 4 and 5: {@code n} strings read one by one. */
        static IdTable read(FormatInput in, int n) throws IOException {
            IdTable t = empty(n);
            for (int i = 0; i < n; i++) {
                t.add(in, in.readString(), i);
            }
            return t;
        }

        /**
         * Version 6: the ids' byte count (a long, checked against what the file has left before {@code vectorBytes}),
         * then {@code n} ids (int length, UTF-8 bytes) that fill exactly that many bytes, read at once.
         */
        static IdTable readSection(FormatInput in, int n, long vectorBytes) throws IOException {
            long idBytes = in.readLong();
            if (idBytes < (long) n * Integer.BYTES || idBytes > in.remaining() - vectorBytes) {
                throw in.damaged("its ids are said to take " + idBytes + " bytes, which is not between the "
                        + (long) n * Integer.BYTES + " their lengths take and the "
                        + Math.max(0, in.remaining() - vectorBytes) + " left before its vectors");
            }
            if (idBytes > Integer.MAX_VALUE - 8) {
                throw in.damaged("its ids take " + idBytes + " bytes, more than one array (2 GiB) holds");
            }
            byte[] section = new byte[(int) idBytes];
            in.readFully(section, 0, section.length);
            return parse(in, section, n);
        }

        private static IdTable parse(FormatInput in, byte[] section, int n) throws FormatException {
            IdTable t = empty(n);
            ByteBuffer b = ByteBuffer.wrap(section);
            for (int i = 0; i < n; i++) {
                int length = b.remaining() < Integer.BYTES ? -1 : b.getInt();
                if (length < 0 || length > b.remaining()) {
                    throw in.damaged("its id section ends inside id " + i + " of " + n);
                }
                t.add(in, new String(section, b.position(), length, StandardCharsets.UTF_8), i);
                b.position(b.position() + length);
            }
            if (b.hasRemaining()) {
                throw in.damaged(b.remaining() + " bytes follow its last id in its id section");
            }
            return t;
        }
    }

    /** Int8 storage's quantiser and codes, checked: finite offsets, finite steps not below zero. */
    private static Int8Rows readCodes(FormatInput in, int n, int dim, ByteOrder order) throws IOException {
        long bytes = 2L * dim * Float.BYTES + Int8Rows.rawBytes(n, dim);
        if (in.remaining() < bytes) {
            throw in.damaged("its int8 codes take " + bytes + " bytes, more than the " + in.remaining() + " left");
        }
        byte[] quantiser = new byte[2 * dim * Float.BYTES];
        in.readFully(quantiser, 0, quantiser.length);
        java.nio.FloatBuffer values = ByteBuffer.wrap(quantiser).order(order).asFloatBuffer();
        float[] low = new float[dim];
        float[] step = new float[dim];
        values.get(low).get(step);
        for (int d = 0; d < dim; d++) {
            if (!Float.isFinite(low[d]) || !Float.isFinite(step[d]) || step[d] < 0) {
                throw in.damaged("its int8 quantiser is damaged (dimension " + d + ": offset " + low[d] + ", step "
                        + step[d] + ")");
            }
        }
        return Int8Rows.readRaw(n, low, step, in::readBulk);
    }

    private static void checkHeaderValues(FormatInput in, int dim, byte metricId, byte storageId) throws IOException {
        if (dim <= 0 || metricId < 0 || metricId >= Metric.values().length || storageId < 0
                || storageId >= Storage.values().length) {
            throw in.damaged("its header is damaged (dimension " + dim + ", metric " + metricId + ", storage "
                    + storageId + ")");
        }
    }
}
