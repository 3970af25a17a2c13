package io.simforge.core.metrics;

import io.simforge.core.linalg.PackedRows;
import io.simforge.core.search.ExactKnn;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Retrieval metrics on L2-normalised embeddings with cosine similarity (methods spec §5), in two forms:
 * <ul>
 *   <li><b>leave-one-out</b> (CUB, Cars196, SOP): every item is a query against all other items, itself
 *       excluded by index;
 *   <li><b>query/gallery</b> (In-Shop): every query searches a separate gallery.
 * </ul>
 * Recall@K is a hit when at least one of the K nearest neighbours shares the query's label. For MAP@R and
 * R-Precision (Musgrave et al., ECCV 2020), R is the number of gallery items (other than the query itself)
 * with the query's label, R-Precision the fraction of the top R that are relevant, and
 * AP@R = (1/R) Σ_{r≤R} P(r)·rel(r). P@1 is the fraction of queries whose nearest neighbour is relevant
 * (the same number as Recall@1, reported under both names because papers use both).
 *
 * <p>Leave-one-out, the ranks of each query's relevant items are counted over one pass of the symmetric score
 * matrix ({@link LeaveOneOutRanks}); with very large classes, and for query/gallery, neighbour lists are streamed
 * query by query ({@link ExactKnn#scan}). Either way memory is the embeddings plus a few numbers per query or
 * relevant pair, never an N×N matrix.
 */
public final class RetrievalMetrics {
    private RetrievalMetrics() {}

    /**
     * All retrieval metrics of one evaluation.
     *
     * @param recallAtK K → Recall@K, in the order asked for; every query counts (one without any relevant
     *     item is a miss)
     * @param mapAtR mean AP@R over the {@code rankedQueries} queries with R ≥ 1 (<b>Choice</b>, as the
     *     reference implementation: a query with no relevant item has no AP@R); NaN when there is none
     * @param rPrecision mean R-Precision over the same queries
     * @param precisionAt1 fraction of all queries whose nearest neighbour is relevant
     */
    public record Scores(Map<Integer, Double> recallAtK, double mapAtR, double rPrecision, double precisionAt1,
            int queries, int rankedQueries) {
        /** The scores by name, in a stable order: {@code recall@K…, p@1, map@r, r_precision}. */
        public Map<String, Double> toMap() {
            Map<String, Double> out = new java.util.LinkedHashMap<>();
            recallAtK.forEach((k, v) -> out.put("recall@" + k, v));
            out.put("p@1", precisionAt1);
            out.put("map@r", mapAtR);
            out.put("r_precision", rPrecision);
            return out;
        }
    }

    /** Recall@K for each K in {@code ks}, leave-one-out over one set; K → value in the order of {@code ks}. */
    public static Map<Integer, Double> recallAtK(float[] embeddings, int dim, int[] labels, int... ks) {
        checkShape("embeddings", embeddings, dim, labels);
        if (labels.length < 2) {
            throw new IllegalArgumentException("Recall@K needs at least 2 items, got " + labels.length);
        }
        return run(embeddings, labels, PackedRows.pack(embeddings, labels.length, dim), labels, true, ks, false)
                .recallAtK();
    }

    /** Every retrieval metric, leave-one-out over one set (CUB, Cars196, SOP protocol). */
    public static Scores evaluate(float[] embeddings, int dim, int[] labels, int... ks) {
        checkShape("embeddings", embeddings, dim, labels);
        if (labels.length < 2) {
            throw new IllegalArgumentException("leave-one-out retrieval needs at least 2 items, got " + labels.length);
        }
        return run(embeddings, labels, PackedRows.pack(embeddings, labels.length, dim), labels, true, ks, true);
    }

    /** Every retrieval metric, queries against a separate gallery (In-Shop protocol). */
    public static Scores evaluate(float[] queries, int[] queryLabels, float[] gallery, int[] galleryLabels, int dim,
            int... ks) {
        checkShape("queries", queries, dim, queryLabels);
        checkShape("gallery", gallery, dim, galleryLabels);
        if (queryLabels.length == 0 || galleryLabels.length == 0) {
            throw new IllegalArgumentException("query/gallery retrieval needs at least one query and one gallery item");
        }
        return run(queries, queryLabels, PackedRows.pack(gallery, galleryLabels.length, dim), galleryLabels, false, ks,
                true);
    }

    private static Scores run(float[] queries, int[] queryLabels, PackedRows gallery, int[] galleryLabels,
            boolean leaveOneOut, int[] ks, boolean ranking) {
        int maxK = Arrays.stream(ks).max().orElseThrow(() -> new IllegalArgumentException("no K given"));
        for (int k : ks) {
            if (k <= 0) {
                throw new IllegalArgumentException("K must be positive, got " + k);
            }
        }
        Map<Integer, Integer> classSize = new HashMap<>();
        for (int y : galleryLabels) {
            classSize.merge(y, 1, Integer::sum);
        }
        int n = queryLabels.length;
        int self = leaveOneOut ? 1 : 0;
        int[] relevant = new int[n];
        for (int q = 0; q < n; q++) {
            relevant[q] = classSize.getOrDefault(queryLabels[q], 0) - self;
        }
        QueryOutcome[] outcomes;
        if (leaveOneOut && LeaveOneOutRanks.fits(galleryLabels)) {
            outcomes = LeaveOneOutRanks.outcomes(queries, gallery, galleryLabels, maxK, ranking);
        } else {
            outcomes = listOutcomes(queries, queryLabels, gallery, galleryLabels, leaveOneOut, relevant, maxK,
                    ranking);
        }
        Summary summary = new Summary(ks, ranking);
        for (QueryOutcome o : outcomes) {
            summary.add(o);
        }
        return summary.scores();
    }

    /** Outcomes from each query's top max(K, R) neighbours, streamed (query/gallery, or very large classes). */
    private static QueryOutcome[] listOutcomes(float[] queries, int[] queryLabels, PackedRows gallery,
            int[] galleryLabels, boolean leaveOneOut, int[] relevant, int maxK, boolean ranking) {
        QueryOutcome[] outcomes = new QueryOutcome[queryLabels.length];
        ExactKnn.scan(queries, gallery, q -> ranking ? Math.max(maxK, relevant[q]) : maxK, leaveOneOut ? 0 : -1,
                (q, idx, score, count) -> outcomes[q] = QueryOutcome.of(queryLabels[q], relevant[q],
                        rank -> galleryLabels[idx[rank]], count));
        return outcomes;
    }

    /**
     * What one query's ranked neighbours say: the rank of its first relevant neighbour, and its AP@R and R-Precision
     * when it has relevant items. Computed wherever the neighbours are (a distributed search computes it next to them)
     * and summed by a {@link Summary} in query order.
     *
     * @param firstHit rank (0-based) of the first neighbour with the query's label, {@link Integer#MAX_VALUE} if none
     * @param relevant R, the number of gallery items other than the query with its label
     */
    public record QueryOutcome(int firstHit, int relevant, double averagePrecision, double rPrecision)
            implements java.io.Serializable {
        /**
         * @param labelAtRank the label of the neighbour at each rank, best first
         * @param count how many neighbours were found (at least min(K, R) for the metrics to be exact)
         */
        public static QueryOutcome of(int queryLabel, int relevant, java.util.function.IntUnaryOperator labelAtRank,
                int count) {
            int first = Integer.MAX_VALUE;
            int hits = 0;
            double precisionSum = 0;
            for (int rank = 0; rank < count; rank++) {
                if (labelAtRank.applyAsInt(rank) == queryLabel) {
                    if (first == Integer.MAX_VALUE) {
                        first = rank;
                    }
                    if (rank < relevant) {
                        hits++;
                        precisionSum += hits / (double) (rank + 1);
                    }
                }
            }
            return relevant > 0 ? new QueryOutcome(first, relevant, precisionSum / relevant, hits / (double) relevant)
                    : new QueryOutcome(first, relevant, 0, 0);
        }
    }

    /** Sums {@link QueryOutcome}s, added in query order, into {@link Scores}. */
    public static final class Summary {
        private final int[] ks;
        private final boolean ranking;
        private final long[] hitsAtK;
        private long hitsAt1;
        private int queries;
        private double apSum;
        private double rpSum;
        private int ranked;

        /** @param ranking whether MAP@R and R-Precision are wanted (the neighbour lists then reach R) */
        public Summary(int[] ks, boolean ranking) {
            this.ks = ks.clone();
            this.ranking = ranking;
            this.hitsAtK = new long[ks.length];
        }

        public void add(QueryOutcome o) {
            queries++;
            for (int i = 0; i < ks.length; i++) {
                if (o.firstHit() < ks[i]) {
                    hitsAtK[i]++;
                }
            }
            if (o.firstHit() == 0) {
                hitsAt1++;
            }
            if (o.relevant() > 0) {
                apSum += o.averagePrecision();
                rpSum += o.rPrecision();
                ranked++;
            }
        }

        public Scores scores() {
            Map<Integer, Double> recall = new LinkedHashMap<>();
            for (int i = 0; i < ks.length; i++) {
                recall.put(ks[i], hitsAtK[i] / (double) queries);
            }
            double p1 = hitsAt1 / (double) queries;
            if (!ranking) {
                return new Scores(recall, Double.NaN, Double.NaN, p1, queries, 0);
            }
            return new Scores(recall, ranked == 0 ? Double.NaN : apSum / ranked, ranked == 0 ? Double.NaN
                    : rpSum / ranked, p1, queries, ranked);
        }
    }

    private static void checkShape(String what, float[] vectors, int dim, int[] labels) {
        if (dim <= 0 || (long) labels.length * dim != vectors.length) {
            throw new IllegalArgumentException(what + ": " + labels.length + " labels but "
                    + (dim > 0 ? vectors.length / dim : vectors.length) + " vectors of dimension " + dim
                    + " (" + vectors.length + " values)");
        }
    }
}
