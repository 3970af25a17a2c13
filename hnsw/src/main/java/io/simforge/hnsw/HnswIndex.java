package io.simforge.hnsw;

import io.simforge.core.error.InvalidInputException;
import io.simforge.core.error.SimforgeException;
import io.simforge.core.error.SimforgeIOException;
import io.simforge.core.format.FormatException;
import io.simforge.infer.AttributeFilter;
import io.simforge.infer.ExactIndex;
import io.simforge.infer.VectorIndex;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.lucene.codecs.KnnVectorsFormat;
import org.apache.lucene.codecs.perfield.PerFieldKnnVectorsFormat;
import org.apache.lucene.codecs.lucene99.Lucene99HnswScalarQuantizedVectorsFormat;
import org.apache.lucene.codecs.lucene99.Lucene99HnswVectorsFormat;
import org.apache.lucene.codecs.lucene912.Lucene912Codec;
import org.apache.lucene.document.BinaryDocValuesField;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.KnnFloatVectorField;
import org.apache.lucene.document.StringField;
import org.apache.lucene.index.BinaryDocValues;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.FilterMergePolicy;
import org.apache.lucene.index.FloatVectorValues;
import org.apache.lucene.index.IndexCommit;
import org.apache.lucene.index.IndexReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.IndexableField;
import org.apache.lucene.index.LeafReader;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.MergePolicy;
import org.apache.lucene.index.ReaderUtil;
import org.apache.lucene.index.SegmentCommitInfo;
import org.apache.lucene.index.SegmentInfos;
import org.apache.lucene.index.StoredFields;
import org.apache.lucene.index.Term;
import org.apache.lucene.index.TieredMergePolicy;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.search.BooleanClause;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.KnnFloatVectorQuery;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.SearcherManager;
import org.apache.lucene.search.TermInSetQuery;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.search.TopKnnCollector;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.FSDirectory;
import org.apache.lucene.store.LockObtainFailedException;
import org.apache.lucene.util.BytesRef;
import org.apache.lucene.util.Bits;

/**
 * Approximate nearest-neighbour search on Apache Lucene's HNSW vectors, in a folder of its own: for galleries past
 * exact scale (millions of items), with the same {@link VectorIndex} face as {@link ExactIndex}.
 *
 * <ul>
 *   <li><b>Settings</b> ({@link #builder()}): graph degree M and beam width when building, beam width per search
 *       ({@link #search(float[], int, AttributeFilter, int)}; Lucene's {@code numCandidates}, faiss's
 *       {@code efSearch}), cosine or dot, float32 or Lucene's int8 scalar quantisation ({@link Storage#INT8}), and
 *       {@link #forceMerge()} to one segment for the fastest reads.
 *   <li><b>Filters</b>: items carry string attributes; {@link #search(float[], int, AttributeFilter)} returns the top
 *       k among matching items, as Lucene's filtered k-NN does (it searches the graph for matching items only, and
 *       scores the matching items exactly when there are few of them).
 *   <li><b>Live updates</b>: adds and removes while searches run; {@link #refresh()} makes them visible (Lucene's
 *       near-real-time reader), {@link #commit()} makes them durable. A process killed at any point reopens at its
 *       last commit, intact. {@link #close()} does not commit.
 *   <li><b>A manifest</b> ({@code simforge-index.json}, a versioned simforge format) records dimension, metric,
 *       settings and the weights checksum of the model whose embeddings the index holds; {@link #open(Path, String)}
 *       refuses a model with another checksum.
 *   <li><b>SIMD on Java 17</b>: Lucene 9.12 computes inner products with scalar loops on Java 17; by default
 *       ({@link Scorer#SIMD}) the graph is built and searched with simforge's Vector API kernel instead
 *       ({@link SimforgeHnswVectorsFormat}).
 * </ul>
 *
 * <p>Scores are inner products, as in {@link ExactIndex} (cosine similarities for {@link Metric#COSINE}), recovered
 * from Lucene's scores. Thread-safe: add, remove, search, refresh and commit from any threads.
 */
public final class HnswIndex implements VectorIndex {
    /** Lucene's default graph degree. */
    public static final int DEFAULT_M = Lucene99HnswVectorsFormat.DEFAULT_MAX_CONN;
    /** Lucene's default beam width when building. */
    public static final int DEFAULT_BEAM_WIDTH = Lucene99HnswVectorsFormat.DEFAULT_BEAM_WIDTH;
    /** The beam width of a search that names none. */
    public static final int DEFAULT_SEARCH_BEAM = 100;

    static final String ID = "id";
    static final String VECTOR = "vector";
    static final String ATTRIBUTE_PREFIX = "attribute.";

    /** How vectors are stored and scored. */
    public enum Storage {
        /** Float32 vectors, scored exactly. */
        FLOAT32,
        /**
         * Lucene's int8 scalar quantisation (7 bits a value) for building and searching the graph; the float32
         * vectors, kept on disk, re-rank each search's candidates.
         */
        INT8
    }

    /** Whose inner products build and search a float32 graph. */
    public enum Scorer {
        /** simforge's Vector API kernel ({@code core.linalg.DotKernel}). */
        SIMD,
        /** Lucene's own (scalar loops on Java 17, SIMD on Java 21 and later with Lucene 10). */
        LUCENE
    }

    private final Path folder;
    private final HnswManifest manifest;
    private final Metric metric;
    private final VectorSimilarityFunction similarity;
    private final Directory directory;
    private final IndexWriter writer;
    private final SearcherManager searchers;
    private final ExecutorService workers;
    private final ExecutorService mergeWorkers;
    private final int threads;
    private final Set<String> ids = ConcurrentHashMap.newKeySet();
    private final Map<IndexReader.CacheKey, SegmentIds> segmentIds = new ConcurrentHashMap<>();
    private final Object commitLock = new Object();
    /** Bulk loads under way: while any is, new segments are written without a graph ({@link #bulkLoad}). */
    private final AtomicInteger bulkLoads = new AtomicInteger();
    /** Set while {@link #bulkLoad} merges: the merge rewrites even a single segment, to give it its graph. */
    private volatile boolean rebuildOnForceMerge;

    private HnswIndex(Path folder, HnswManifest manifest, int threads, double ramBufferMb, boolean create)
            throws IOException {
        this.folder = folder;
        this.manifest = manifest;
        this.metric = Metric.valueOf(manifest.metric());
        this.similarity = metric == Metric.COSINE ? VectorSimilarityFunction.DOT_PRODUCT
                : VectorSimilarityFunction.MAXIMUM_INNER_PRODUCT;
        this.threads = threads;
        this.workers = Executors.newFixedThreadPool(threads, daemon("simforge-hnsw-search"));
        this.mergeWorkers = Executors.newFixedThreadPool(threads, daemon("simforge-hnsw-merge"));
        KnnVectorsFormat format = format(manifest, threads, mergeWorkers);
        KnnVectorsFormat bulkFormat = new BulkLoadVectorsFormat();
        IndexWriterConfig config = new IndexWriterConfig()
                .setCodec(new Lucene912Codec() {
                    @Override
                    public KnnVectorsFormat getKnnVectorsFormatForField(String field) {
                        return bulkLoads.get() > 0 ? bulkFormat : format;
                    }
                })
                .setMergePolicy(new BulkMergePolicy(new TieredMergePolicy()))
                .setOpenMode(create ? IndexWriterConfig.OpenMode.CREATE : IndexWriterConfig.OpenMode.CREATE_OR_APPEND)
                .setRAMBufferSizeMB(ramBufferMb)
                .setUseCompoundFile(false)
                .setCommitOnClose(false);
        Directory dir = FSDirectory.open(folder);
        IndexWriter w;
        try {
            w = new IndexWriter(dir, config);
        } catch (LockObtainFailedException e) {
            dir.close();
            shutdownPools();
            throw new SimforgeIOException(folder + " is open in another program or thread (Lucene's write.lock is "
                    + "held): close it there first", e);
        } catch (IOException | RuntimeException e) {
            dir.close();
            shutdownPools();
            throw e;
        }
        this.directory = dir;
        this.writer = w;
        this.searchers = new SearcherManager(writer, null);
        loadIds();
    }

    private static KnnVectorsFormat format(HnswManifest m, int threads, ExecutorService mergePool) {
        if (Storage.valueOf(m.storage()) == Storage.INT8) {
            return new Lucene99HnswScalarQuantizedVectorsFormat(m.m(), m.beamWidth(), threads, 7, false, null,
                    threads > 1 ? mergePool : null);
        }
        if (Scorer.valueOf(m.scorer()) == Scorer.LUCENE) {
            return new Lucene99HnswVectorsFormat(m.m(), m.beamWidth(), threads, threads > 1 ? mergePool : null);
        }
        return new SimforgeHnswVectorsFormat(m.m(), m.beamWidth(), threads, mergePool);
    }

    /** A builder of a new, empty index in a folder. */
    public static Builder builder() {
        return new Builder();
    }

    /** Opens the index in {@code folder} at its last commit, without checking which model it belongs to. */
    public static HnswIndex open(Path folder) {
        return open(folder, null);
    }

    /**
     * Opens the index in {@code folder} at its last commit, for queries embedded by the model whose weights checksum
     * is {@code modelWeightsSha256} ({@code simforge.weights_sha256} in its metadata; null to skip the check).
     *
     * @throws InvalidInputException when the index records embeddings of a model with another checksum
     * @throws io.simforge.core.error.UnreadableFileException when the folder's manifest is missing, foreign, newer or
     *     damaged
     */
    public static HnswIndex open(Path folder, String modelWeightsSha256) {
        Path file = folder.resolve(HnswManifest.FILE_NAME);
        try {
            if (!Files.isRegularFile(file)) {
                throw FormatException.foreign(folder.toString(), "simforge HNSW index folder", "it has no "
                        + HnswManifest.FILE_NAME + " (build one with `simforge index --type hnsw` or "
                        + "HnswIndex.builder())");
            }
            HnswManifest m = HnswManifest.FORMAT.read(file, HnswManifest.class);
            checkManifest(file, m);
            if (modelWeightsSha256 != null && m.weightsSha256() != null
                    && !modelWeightsSha256.equalsIgnoreCase(m.weightsSha256())) {
                throw new InvalidInputException(folder + " holds embeddings of the model whose weights checksum is "
                        + m.weightsSha256() + ", but this model's is " + modelWeightsSha256 + ": its queries would "
                        + "be compared with another model's embeddings and the results would be meaningless. Search "
                        + "with the model that built the index, or build the index again with this one.");
            }
            return new HnswIndex(folder, m, Runtime.getRuntime().availableProcessors(), 256, false);
        } catch (IOException e) {
            throw SimforgeException.of(e);
        }
    }

    private static void checkManifest(Path file, HnswManifest m) throws FormatException {
        try {
            Metric.valueOf(m.metric());
            Storage.valueOf(m.storage());
            Scorer.valueOf(m.scorer());
        } catch (RuntimeException e) {
            throw FormatException.damaged(file.toString(), "its metric, storage or scorer is not one this simforge "
                    + "knows (" + m.metric() + ", " + m.storage() + ", " + m.scorer() + ")");
        }
        if (m.dimension() < 1 || m.dimension() > 4096 || m.m() < 2 || m.beamWidth() < 1) {
            throw FormatException.damaged(file.toString(), "its dimension " + m.dimension() + ", M " + m.m()
                    + " or beam width " + m.beamWidth() + " is out of range");
        }
    }

    /** The folder the index lives in. */
    public Path folder() {
        return folder;
    }

    @Override
    public int dimension() {
        return manifest.dimension();
    }

    @Override
    public Metric metric() {
        return metric;
    }

    public int m() {
        return manifest.m();
    }

    public int beamWidth() {
        return manifest.beamWidth();
    }

    public Storage storage() {
        return Storage.valueOf(manifest.storage());
    }

    public Scorer scorer() {
        return Scorer.valueOf(manifest.scorer());
    }

    /** The weights checksum of the model whose embeddings the index holds, or null. */
    public String weightsSha256() {
        return manifest.weightsSha256();
    }

    /** Items added and not removed, visible to searches or not yet. */
    @Override
    public int size() {
        return ids.size();
    }

    /** Items the searches see now (changes since the last {@link #refresh()} not counted). */
    public int visibleSize() {
        try {
            IndexSearcher s = searchers.acquire();
            try {
                return s.getIndexReader().numDocs();
            } finally {
                searchers.release(s);
            }
        } catch (IOException e) {
            throw SimforgeException.of(e);
        }
    }

    /** Segments the searches see: 1 after {@link #forceMerge()} and no later adds. */
    public int segments() {
        try {
            IndexSearcher s = searchers.acquire();
            try {
                return s.getIndexReader().leaves().size();
            } finally {
                searchers.release(s);
            }
        } catch (IOException e) {
            throw SimforgeException.of(e);
        }
    }

    /** The vectors format of each segment searches see, by Lucene's name for it (tests check what a build wrote). */
    List<String> segmentFormats() {
        try {
            IndexSearcher s = searchers.acquire();
            try {
                List<String> out = new ArrayList<>();
                for (LeafReaderContext leaf : s.getIndexReader().leaves()) {
                    org.apache.lucene.index.FieldInfo field = leaf.reader().getFieldInfos().fieldInfo(VECTOR);
                    out.add(field == null ? null
                            : field.getAttribute(PerFieldKnnVectorsFormat.PER_FIELD_FORMAT_KEY));
                }
                return out;
            } finally {
                searchers.release(s);
            }
        } catch (IOException e) {
            throw SimforgeException.of(e);
        }
    }

    /** A copy of a visible item's stored vector (L2-normalised for cosine), or null when searches do not see it. */
    public float[] vector(String id) {
        try {
            IndexSearcher s = searchers.acquire();
            try {
                TopDocs top = s.search(new org.apache.lucene.search.TermQuery(new Term(ID, id)), 1);
                if (top.scoreDocs.length == 0) {
                    return null;
                }
                List<LeafReaderContext> leaves = s.getIndexReader().leaves();
                LeafReaderContext leaf = leaves.get(ReaderUtil.subIndex(top.scoreDocs[0].doc, leaves));
                FloatVectorValues values = leaf.reader().getFloatVectorValues(VECTOR);
                values.advance(top.scoreDocs[0].doc - leaf.docBase);
                return values.vectorValue().clone();
            } finally {
                searchers.release(s);
            }
        } catch (IOException e) {
            throw SimforgeException.of(e);
        }
    }

    /** The ids of the items added and not removed, sorted. */
    public List<String> storedIds() {
        List<String> out = new ArrayList<>(ids);
        java.util.Collections.sort(out);
        return out;
    }

    public boolean contains(String id) {
        return ids.contains(id);
    }

    @Override
    public void add(String id, float[] vector, Map<String, String> attributes) {
        check(id, vector, attributes, -1);
        if (!ids.add(id)) {
            throw new InvalidInputException("id '" + id + "' is already in the index; remove it first to replace it");
        }
        try {
            writer.addDocument(document(id, vector, attributes));
        } catch (IOException | RuntimeException e) {
            ids.remove(id);
            throw e instanceof IOException io ? SimforgeException.of(io) : (RuntimeException) e;
        }
    }

    /**
     * Adds {@code itemIds.size()} items whose vectors are row-major in {@code vectors}, on all the index's threads
     * (each builds a segment's graph). All are checked first: a bad item adds none.
     *
     * @param attributes per item, or null for none
     */
    public void addAll(List<String> itemIds, float[] vectors, List<Map<String, String>> attributes) {
        int dim = dimension();
        int n = itemIds.size();
        if ((long) n * dim != vectors.length || attributes != null && attributes.size() != n) {
            throw new InvalidInputException(n + " ids, " + vectors.length + " values and "
                    + (attributes == null ? "no" : attributes.size()) + " attribute sets are not " + n + " items of "
                    + "dimension " + dim);
        }
        Set<String> fresh = new HashSet<>();
        for (int i = 0; i < n; i++) {
            String id = itemIds.get(i);
            check(id, vectors, attributes == null ? Map.of() : attributes.get(i), i);
            if (ids.contains(id) || !fresh.add(id)) {
                throw new InvalidInputException("id '" + id + "' (item " + i + ") is "
                        + (ids.contains(id) ? "already in the index" : "given twice"));
            }
        }
        int chunk = (n + threads - 1) / threads;
        List<Future<?>> parts = new ArrayList<>();
        for (int start = 0; start < n; start += chunk) {
            int from = start;
            int to = Math.min(n, start + chunk);
            parts.add(workers.submit(() -> {
                for (int i = from; i < to; i++) {
                    add(itemIds.get(i), Arrays.copyOfRange(vectors, i * dim, (i + 1) * dim),
                            attributes == null ? Map.of() : attributes.get(i));
                }
                return null;
            }));
        }
        await(parts);
    }

    /**
     * Adds many items, then merges the index into one segment (committed and refreshed, as {@link #forceMerge()}),
     * building that segment's graph once, on all the index's threads: the fastest way to build an index. The items
     * are written without a graph first ({@link BulkLoadVectorsFormat}), where {@link #addAll} followed by
     * {@link #forceMerge()} builds a graph per indexing thread and then inserts all but the largest one's items again
     * into the merged graph. Checked as {@link #addAll}: a bad item adds none.
     *
     * @param attributes per item, or null for none
     */
    public void bulkLoad(List<String> itemIds, float[] vectors, List<Map<String, String>> attributes) {
        bulkLoads.incrementAndGet();
        try {
            addAll(itemIds, vectors, attributes);
            writer.flush(); // the items buffered so far become segments without a graph while the count holds
        } catch (IOException e) {
            throw SimforgeException.of(e);
        } finally {
            bulkLoads.decrementAndGet();
        }
        rebuildOnForceMerge = true;
        try {
            forceMerge();
        } finally {
            rebuildOnForceMerge = false;
        }
    }

    /**
     * Lucene's merge policy, except that a force-merge during {@link #bulkLoad} merges every segment it was asked
     * to, even one alone (Lucene leaves a single segment as it is, which would leave it without a graph).
     */
    private final class BulkMergePolicy extends FilterMergePolicy {
        BulkMergePolicy(MergePolicy in) {
            super(in);
        }

        @Override
        public MergeSpecification findForcedMerges(SegmentInfos infos, int maxSegmentCount,
                Map<SegmentCommitInfo, Boolean> segmentsToMerge, MergeContext context) throws IOException {
            if (!rebuildOnForceMerge || maxSegmentCount != 1) {
                return super.findForcedMerges(infos, maxSegmentCount, segmentsToMerge, context);
            }
            List<SegmentCommitInfo> originals = new ArrayList<>();
            for (SegmentCommitInfo info : infos) {
                // TRUE marks the segments the force-merge started with; its own merged segment is FALSE
                if (Boolean.TRUE.equals(segmentsToMerge.get(info)) && !context.getMergingSegments().contains(info)) {
                    originals.add(info);
                }
            }
            if (originals.isEmpty()) {
                return null;
            }
            MergeSpecification spec = new MergeSpecification();
            spec.add(new OneMerge(originals));
            return spec;
        }
    }

    /** Checks one item; {@code row} ≥ 0 means its vector is that row of {@code values}. */
    private void check(String id, float[] values, Map<String, String> attributes, int row) {
        int dim = dimension();
        if (id == null) {
            throw new InvalidInputException(row < 0 ? "an item needs an id" : "item " + row + " has no id");
        }
        if (row < 0 && values.length != dim) {
            throw new InvalidInputException("item '" + id + "' has " + values.length + " values; this index holds "
                    + dim + "-d vectors");
        }
        int off = Math.max(row, 0) * dim;
        for (int d = 0; d < dim; d++) {
            if (!Float.isFinite(values[off + d])) {
                throw new InvalidInputException("item '" + id + "'" + (row < 0 ? "" : " (row " + row + ")") + " has "
                        + values[off + d] + " at column " + d + "; an index holds finite vectors only");
            }
        }
        AttributeFilter.checkAttributes(id, attributes);
    }

    private Document document(String id, float[] vector, Map<String, String> attributes) {
        float[] v = vector.clone();
        if (metric == Metric.COSINE) {
            normalise(v);
        }
        Document doc = new Document();
        doc.add(new StringField(ID, id, Field.Store.NO));
        doc.add(new BinaryDocValuesField(ID, new BytesRef(id)));
        doc.add(new KnnFloatVectorField(VECTOR, v, similarity));
        for (Map.Entry<String, String> e : attributes.entrySet()) {
            doc.add(new StringField(ATTRIBUTE_PREFIX + e.getKey(), e.getValue(), Field.Store.YES));
        }
        return doc;
    }

    @Override
    public boolean remove(String id) {
        if (id == null || !ids.remove(id)) {
            return false;
        }
        try {
            writer.deleteDocuments(new Term(ID, id));
            return true;
        } catch (IOException e) {
            ids.add(id);
            throw SimforgeException.of(e);
        }
    }

    @Override
    public List<List<Hit>> search(float[] queries, int k, AttributeFilter filter) {
        return search(queries, k, filter, DEFAULT_SEARCH_BEAM);
    }

    /**
     * The top {@code k} items for each query among those {@code filter} accepts, searching the graph with a beam of
     * {@code max(k, beam)} candidates: a wider beam finds more of the true neighbours and takes longer. Queries run
     * on the index's threads.
     */
    public List<List<Hit>> search(float[] queries, int k, AttributeFilter filter, int beam) {
        if (k <= 0) {
            throw new InvalidInputException("k is the number of results per query and must be at least 1, got " + k);
        }
        if (beam <= 0) {
            throw new InvalidInputException("the search beam must be at least 1, got " + beam);
        }
        int dim = dimension();
        if (queries.length % dim != 0) {
            throw new InvalidInputException("query length " + queries.length + " is not a multiple of the index's "
                    + "dimension " + dim + ": queries must be " + dim + "-d, like the indexed vectors");
        }
        InvalidInputException.requireFinite(queries, dim, "query");
        int numQueries = queries.length / dim;
        Query filterQuery = filterQuery(filter);
        List<Hit>[] out = newResultArray(numQueries);
        try {
            IndexSearcher searcher = searchers.acquire();
            try {
                AtomicInteger next = new AtomicInteger();
                List<Future<?>> parts = new ArrayList<>();
                for (int t = 0; t < Math.min(threads, numQueries); t++) {
                    parts.add(workers.submit(() -> {
                        for (int q = next.getAndIncrement(); q < numQueries; q = next.getAndIncrement()) {
                            float[] query = Arrays.copyOfRange(queries, q * dim, (q + 1) * dim);
                            if (metric == Metric.COSINE) {
                                normalise(query);
                            }
                            out[q] = searchOne(searcher, query, k, Math.max(k, beam), filterQuery);
                        }
                        return null;
                    }));
                }
                await(parts);
            } finally {
                searchers.release(searcher);
            }
        } catch (IOException e) {
            throw SimforgeException.of(e);
        }
        return Arrays.asList(out);
    }

    @SuppressWarnings("unchecked")
    private static List<Hit>[] newResultArray(int n) {
        return (List<Hit>[]) new List<?>[n];
    }

    private List<Hit> searchOne(IndexSearcher searcher, float[] query, int k, int candidates, Query filter)
            throws IOException {
        boolean rescore = storage() == Storage.INT8;
        int keep = rescore ? candidates : k;
        List<LeafReaderContext> leaves = searcher.getIndexReader().leaves();
        ScoreDoc[] top = filter == null
                ? searchLeaves(leaves, query, candidates, keep)
                // Lucene's filtered k-NN: it picks between the graph and an exact pass by the filter's cost
                : searcher.search(new KnnFloatVectorQuery(VECTOR, query, candidates, filter), keep).scoreDocs;
        ScoreDoc[] docs = rescore ? rescore(leaves, top, query, k) : top;
        String[] docIds = ids(leaves, docs);
        List<Hit> hits = new ArrayList<>(docs.length);
        for (int i = 0; i < docs.length; i++) {
            hits.add(new Hit(docIds[i], innerProduct(docs[i].score)));
        }
        return hits;
    }

    /**
     * An unfiltered search straight on each segment's graph ({@link LeafReader#searchNearestVectors}): what
     * {@link KnnFloatVectorQuery} does too, without its per-query rewrite, weight, scorer and top-docs collection,
     * which cost as much as the graph walk on small beams. The best {@code keep} of all segments, by score.
     */
    private static ScoreDoc[] searchLeaves(List<LeafReaderContext> leaves, float[] query, int candidates, int keep)
            throws IOException {
        if (leaves.size() == 1) {
            return searchLeaf(leaves.get(0), query, candidates, keep);
        }
        List<ScoreDoc> all = new ArrayList<>();
        for (LeafReaderContext leaf : leaves) {
            all.addAll(Arrays.asList(searchLeaf(leaf, query, candidates, keep)));
        }
        all.sort((a, b) -> a.score != b.score ? Float.compare(b.score, a.score) : Integer.compare(a.doc, b.doc));
        return all.subList(0, Math.min(keep, all.size())).toArray(new ScoreDoc[0]);
    }

    /** One segment's best {@code keep} by its graph (live items only), with index-wide doc numbers. */
    private static ScoreDoc[] searchLeaf(LeafReaderContext leaf, float[] query, int candidates, int keep)
            throws IOException {
        LeafReader reader = leaf.reader();
        TopKnnCollector collector = new TopKnnCollector(candidates, Integer.MAX_VALUE);
        reader.searchNearestVectors(VECTOR, query, collector, reader.getLiveDocs());
        ScoreDoc[] found = collector.topDocs().scoreDocs; // best first
        ScoreDoc[] out = found.length > keep ? Arrays.copyOf(found, keep) : found;
        for (ScoreDoc sd : out) {
            sd.doc += leaf.docBase;
        }
        return out;
    }

    /** The ids of {@code docs} (index-wide doc numbers), in their order. */
    private String[] ids(List<LeafReaderContext> leaves, ScoreDoc[] docs) throws IOException {
        String[] out = new String[docs.length];
        for (int i = 0; i < docs.length; i++) {
            LeafReaderContext leaf = leaves.get(ReaderUtil.subIndex(docs[i].doc, leaves));
            out[i] = segmentIds(leaf.reader()).id(docs[i].doc - leaf.docBase);
        }
        return out;
    }

    /**
     * A segment's ids, read once: a segment never changes its documents (only which are deleted), and opening its
     * id doc values for every query cost about a tenth of a search.
     */
    private SegmentIds segmentIds(LeafReader reader) throws IOException {
        IndexReader.CacheHelper core = reader.getCoreCacheHelper();
        if (core == null) { // not a segment of an index on disk (never so here): nothing to key a cache on
            return SegmentIds.read(reader);
        }
        SegmentIds cached = segmentIds.get(core.getKey());
        if (cached == null) {
            SegmentIds read = SegmentIds.read(reader);
            cached = segmentIds.putIfAbsent(core.getKey(), read);
            if (cached == null) {
                cached = read;
                core.addClosedListener(segmentIds::remove); // dropped with the segment
            }
        }
        return cached;
    }

    /** One segment's ids in doc order, UTF-8 end to end in one array (about 11 MB for a million 7-digit ids). */
    private static final class SegmentIds {
        private final byte[] utf8;
        private final int[] starts; // doc d's id is utf8[starts[d], starts[d + 1])

        private SegmentIds(byte[] utf8, int[] starts) {
            this.utf8 = utf8;
            this.starts = starts;
        }

        static SegmentIds read(LeafReader reader) throws IOException {
            int maxDoc = reader.maxDoc();
            int[] starts = new int[maxDoc + 1];
            byte[] utf8 = new byte[Math.max(16, maxDoc * 8)];
            BinaryDocValues values = reader.getBinaryDocValues(ID);
            int length = 0;
            for (int doc = 0; doc < maxDoc; doc++) {
                starts[doc] = length;
                if (values != null && values.docID() < doc) {
                    values.advance(doc);
                }
                if (values != null && values.docID() == doc) {
                    BytesRef id = values.binaryValue();
                    if (length + id.length > utf8.length) {
                        utf8 = Arrays.copyOf(utf8, Math.max(length + id.length, utf8.length * 2));
                    }
                    System.arraycopy(id.bytes, id.offset, utf8, length, id.length);
                    length += id.length;
                }
            }
            starts[maxDoc] = length;
            return new SegmentIds(Arrays.copyOf(utf8, length), starts);
        }

        /** Doc {@code doc}'s id (every document this class writes has one; an empty id is an id too). */
        String id(int doc) {
            return new String(utf8, starts[doc], starts[doc + 1] - starts[doc], StandardCharsets.UTF_8);
        }
    }

    /**
     * The top {@code k} of an int8 search's candidates by their float32 vectors' exact scores: the quantised graph
     * finds the candidates, the stored float32 vectors rank them (what quantisation alone gets wrong is the order of
     * close neighbours).
     */
    private ScoreDoc[] rescore(List<LeafReaderContext> leaves, ScoreDoc[] candidates, float[] query, int k)
            throws IOException {
        ScoreDoc[] byDoc = candidates.clone();
        Arrays.sort(byDoc, (a, b) -> Integer.compare(a.doc, b.doc));
        FloatVectorValues values = null;
        int leafIndex = -1;
        for (ScoreDoc sd : byDoc) {
            int leaf = ReaderUtil.subIndex(sd.doc, leaves);
            if (leaf != leafIndex) {
                leafIndex = leaf;
                values = leaves.get(leaf).reader().getFloatVectorValues(VECTOR);
            }
            int doc = sd.doc - leaves.get(leaf).docBase;
            if (values.docID() < doc) {
                values.advance(doc);
            }
            sd.score = VectorApiFlatVectorsScorer.score(similarity,
                    io.simforge.core.linalg.DotKernel.best().dot(query, 0, values.vectorValue(), 0, query.length));
        }
        Arrays.sort(byDoc, (a, b) -> a.score != b.score ? Float.compare(b.score, a.score) : Integer.compare(a.doc, b.doc));
        return Arrays.copyOf(byDoc, Math.min(k, byDoc.length));
    }

    /** The inner product behind Lucene's score (the inverse of its transform for the field's similarity). */
    float innerProduct(float score) {
        if (similarity == VectorSimilarityFunction.DOT_PRODUCT) {
            return 2 * score - 1;
        }
        return score < 1 ? 1 - 1 / score : score - 1;
    }

    /** The filter as a Lucene query: a term-set clause per attribute, all required; null for every item. */
    static Query filterQuery(AttributeFilter filter) {
        if (filter.acceptsAll()) {
            return null;
        }
        BooleanQuery.Builder b = new BooleanQuery.Builder();
        for (Map.Entry<String, Set<String>> e : filter.allowed().entrySet()) {
            List<BytesRef> values = e.getValue().stream().map(BytesRef::new).toList();
            b.add(new TermInSetQuery(ATTRIBUTE_PREFIX + e.getKey(), values), BooleanClause.Occur.FILTER);
        }
        return b.build();
    }

    /** Makes every add and remove that returned before it visible to later searches (a near-real-time reader). */
    @Override
    public void refresh() {
        try {
            searchers.maybeRefreshBlocking();
        } catch (IOException e) {
            throw SimforgeException.of(e);
        }
    }

    /**
     * Makes every add and remove that returned before it durable: a process killed afterwards reopens with them.
     * Also refreshes the searches.
     */
    public void commit() {
        synchronized (commitLock) {
            try {
                writer.commit();
            } catch (IOException e) {
                throw SimforgeException.of(e);
            }
        }
        refresh();
    }

    /** Merges the index into one segment (one graph: the fastest searches), commits and refreshes. */
    public void forceMerge() {
        try {
            writer.forceMerge(1);
        } catch (IOException e) {
            throw SimforgeException.of(e);
        }
        commit();
    }

    /**
     * Commits; and when {@code target} is another folder, copies the committed index there (a new folder, or an
     * empty one), as a snapshot that {@link #open} reads.
     */
    @Override
    public void save(Path target) {
        synchronized (commitLock) {
            commit();
            try {
                if (Files.exists(target) && Files.isSameFile(target, folder)) {
                    return;
                }
                if (Files.exists(target)) {
                    try (var entries = Files.list(target)) {
                        if (entries.findAny().isPresent()) {
                            throw new InvalidInputException(target + " is not empty: save an index into a new or "
                                    + "empty folder");
                        }
                    }
                }
                Files.createDirectories(target);
                IndexCommit last = DirectoryReader.listCommits(directory).get(DirectoryReader.listCommits(directory)
                        .size() - 1);
                for (String name : last.getFileNames()) {
                    Files.copy(folder.resolve(name), target.resolve(name), StandardCopyOption.COPY_ATTRIBUTES);
                }
                Files.copy(folder.resolve(HnswManifest.FILE_NAME), target.resolve(HnswManifest.FILE_NAME));
            } catch (IOException e) {
                throw SimforgeException.of(e);
            }
        }
    }

    /**
     * An exact index of the items searches see now, with their attributes: the reference an approximate answer is
     * compared with ({@link IndexRecall}). Its vectors are the ones stored (L2-normalised for cosine).
     */
    public ExactIndex toExactIndex() {
        try {
            IndexSearcher s = searchers.acquire();
            try {
                ExactIndex exact = new ExactIndex(dimension(), metric);
                exact.reserve(s.getIndexReader().numDocs());
                for (LeafReaderContext leaf : s.getIndexReader().leaves()) {
                    LeafReader reader = leaf.reader();
                    FloatVectorValues vectors = reader.getFloatVectorValues(VECTOR);
                    BinaryDocValues idValues = reader.getBinaryDocValues(ID);
                    Bits live = reader.getLiveDocs();
                    StoredFields stored = reader.storedFields();
                    if (vectors == null) {
                        continue;
                    }
                    for (int doc = vectors.nextDoc(); doc != FloatVectorValues.NO_MORE_DOCS; doc = vectors.nextDoc()) {
                        if (live != null && !live.get(doc)) {
                            continue;
                        }
                        idValues.advanceExact(doc);
                        Map<String, String> attributes = new HashMap<>();
                        for (IndexableField f : stored.document(doc)) {
                            if (f.name().startsWith(ATTRIBUTE_PREFIX)) {
                                attributes.put(f.name().substring(ATTRIBUTE_PREFIX.length()), f.stringValue());
                            }
                        }
                        exact.add(idValues.binaryValue().utf8ToString(), vectors.vectorValue(), attributes);
                    }
                }
                return exact;
            } finally {
                searchers.release(s);
            }
        } catch (IOException e) {
            throw SimforgeException.of(e);
        }
    }

    /** Closes the index without committing: changes since the last {@link #commit()} are dropped. */
    @Override
    public void close() {
        try {
            searchers.close();
            writer.rollback(); // closes the writer, dropping uncommitted changes
            directory.close();
        } catch (IOException e) {
            throw SimforgeException.of(e);
        } finally {
            shutdownPools();
        }
    }

    private void shutdownPools() {
        workers.shutdownNow();
        mergeWorkers.shutdownNow();
    }

    private void loadIds() throws IOException {
        IndexSearcher s = searchers.acquire();
        try {
            for (LeafReaderContext leaf : s.getIndexReader().leaves()) {
                BinaryDocValues idValues = leaf.reader().getBinaryDocValues(ID);
                Bits live = leaf.reader().getLiveDocs();
                if (idValues == null) {
                    continue;
                }
                for (int doc = idValues.nextDoc(); doc != BinaryDocValues.NO_MORE_DOCS; doc = idValues.nextDoc()) {
                    if (live == null || live.get(doc)) {
                        ids.add(idValues.binaryValue().utf8ToString());
                    }
                }
            }
        } finally {
            searchers.release(s);
        }
    }

    private static void await(List<Future<?>> parts) {
        try {
            for (Future<?> f : parts) {
                f.get();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SimforgeException("interrupted", e);
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof RuntimeException r) {
                throw r;
            }
            if (c instanceof IOException io) {
                throw SimforgeException.of(io);
            }
            if (c instanceof UncheckedIOException u) {
                throw SimforgeException.of(u);
            }
            throw new SimforgeException(String.valueOf(c), c);
        }
    }

    private static void normalise(float[] v) {
        double norm = 0;
        for (float x : v) {
            norm += (double) x * x;
        }
        if (norm > 0) {
            float inv = (float) (1 / Math.sqrt(norm));
            for (int d = 0; d < v.length; d++) {
                v[d] *= inv;
            }
        }
    }

    private static java.util.concurrent.ThreadFactory daemon(String name) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, name + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    static String simforgeVersion() {
        try (InputStream in = HnswIndex.class.getResourceAsStream("version.properties")) {
            Properties p = new Properties();
            if (in != null) {
                p.load(new java.io.InputStreamReader(in, StandardCharsets.UTF_8));
            }
            return p.getProperty("version", "unknown");
        } catch (IOException e) {
            return "unknown";
        }
    }

    /**
     * Builds a new, empty {@link HnswIndex} in a folder: {@code setX} required, {@code optX} optional.
     *
     * <pre>{@code
     * HnswIndex index = HnswIndex.builder().setFolder(Path.of("gallery.hnsw")).setDimension(128)
     *         .optM(16).optBeamWidth(100).optStorage(HnswIndex.Storage.INT8).build();
     * }</pre>
     */
    public static final class Builder {
        private Path folder;
        private int dimension;
        private Metric metric = Metric.COSINE;
        private int m = DEFAULT_M;
        private int beamWidth = DEFAULT_BEAM_WIDTH;
        private Storage storage = Storage.FLOAT32;
        private Scorer scorer = Scorer.SIMD;
        private String weightsSha256;
        private int threads = Runtime.getRuntime().availableProcessors();
        private double ramBufferMb = 256;

        private Builder() {}

        /** The folder to create the index in: new, or empty. */
        public Builder setFolder(Path folder) {
            this.folder = folder;
            return this;
        }

        public Builder setDimension(int dimension) {
            this.dimension = dimension;
            return this;
        }

        /** Cosine (vectors L2-normalised on the way in, the default) or dot. */
        public Builder optMetric(Metric metric) {
            this.metric = metric;
            return this;
        }

        /** The graph degree M (default 16): more finds more neighbours, costs memory and build time. */
        public Builder optM(int m) {
            this.m = m;
            return this;
        }

        /** The beam width while building (faiss's efConstruction; default 100). */
        public Builder optBeamWidth(int beamWidth) {
            this.beamWidth = beamWidth;
            return this;
        }

        public Builder optStorage(Storage storage) {
            this.storage = storage;
            return this;
        }

        /** Whose inner products score a float32 graph (default {@link Scorer#SIMD}). */
        public Builder optScorer(Scorer scorer) {
            this.scorer = scorer;
            return this;
        }

        /** The weights checksum of the model that embeds the items ({@code simforge.weights_sha256}). */
        public Builder optWeightsSha256(String weightsSha256) {
            this.weightsSha256 = weightsSha256;
            return this;
        }

        /** Threads that add in bulk, merge graphs and search batches (default: the cores). */
        public Builder optThreads(int threads) {
            this.threads = threads;
            return this;
        }

        /** Memory for buffered adds before a segment is written (default 256 MB): more, fewer segments to merge. */
        public Builder optRamBufferMb(double ramBufferMb) {
            this.ramBufferMb = ramBufferMb;
            return this;
        }

        /**
         * Creates the folder with its manifest and an empty first commit.
         *
         * @throws InvalidInputException listing every setting out of range, or when the folder is not empty
         */
        public HnswIndex build() {
            List<String> problems = new ArrayList<>();
            if (folder == null) {
                problems.add("setFolder is required");
            }
            if (dimension < 1 || dimension > 4096) {
                problems.add("setDimension must be 1 to 4096, got " + dimension);
            }
            if (m < 2 || m > 512) {
                problems.add("M must be 2 to 512, got " + m);
            }
            if (beamWidth < 1 || beamWidth > 3200) {
                problems.add("the build beam width must be 1 to 3200, got " + beamWidth);
            }
            if (threads < 1) {
                problems.add("threads must be at least 1, got " + threads);
            }
            if (ramBufferMb < 1 || ramBufferMb > 2047) {
                problems.add("the RAM buffer must be 1 to 2047 MB, got " + ramBufferMb);
            }
            if (metric == null || storage == null || scorer == null) {
                problems.add("metric, storage and scorer cannot be null");
            }
            if (!problems.isEmpty()) {
                throw new InvalidInputException("cannot build the HNSW index: " + String.join("; ", problems));
            }
            try {
                if (Files.exists(folder)) {
                    try (var entries = Files.list(folder)) {
                        if (entries.findAny().isPresent()) {
                            throw new InvalidInputException(folder + " is not empty: create an index in a new or "
                                    + "empty folder (or open the one there with HnswIndex.open)");
                        }
                    }
                }
                Files.createDirectories(folder);
                HnswManifest manifest = new HnswManifest(dimension, metric.name(), m, beamWidth, storage.name(),
                        scorer.name(), weightsSha256 == null ? null : weightsSha256.toLowerCase(Locale.ROOT),
                        simforgeVersion(), org.apache.lucene.util.Version.LATEST.toString());
                HnswManifest.FORMAT.write(folder.resolve(HnswManifest.FILE_NAME), manifest);
                HnswIndex index = new HnswIndex(folder, manifest, threads, ramBufferMb, true);
                index.commit(); // a first, empty commit: the folder opens even if nothing is ever added
                return index;
            } catch (IOException e) {
                throw SimforgeException.of(e);
            }
        }
    }
}
