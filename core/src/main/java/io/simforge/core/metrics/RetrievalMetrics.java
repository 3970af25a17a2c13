package io.simforge.core.metrics;

import io.simforge.core.search.ExactKnn;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Retrieval metrics on L2-normalised embeddings with cosine similarity (methods spec §5).
 *
 * <p>Recall@K: every item is a query against all other items (itself excluded by index); a hit when at
 * least one of its K nearest neighbours shares its label; the mean over queries.
 */
public final class RetrievalMetrics {
    private RetrievalMetrics() {}

    /**
     * Recall@K for each K in {@code ks}, leave-one-out over one set.
     *
     * @param embeddings row-major {@code n × dim}
     * @return K → Recall@K, in the order of {@code ks}
     */
    public static Map<Integer, Double> recallAtK(float[] embeddings, int dim, int[] labels, int... ks) {
        int n = labels.length;
        if ((long) n * dim != embeddings.length) {
            throw new IllegalArgumentException(n + " labels but " + embeddings.length / Math.max(dim, 1)
                    + " embeddings of dimension " + dim);
        }
        if (n < 2) {
            throw new IllegalArgumentException("Recall@K needs at least 2 items, got " + n);
        }
        int maxK = Arrays.stream(ks).max().orElseThrow(() -> new IllegalArgumentException("no K given"));
        int[][] neighbours = ExactKnn.search(embeddings, embeddings, dim, Math.min(maxK, n - 1), 0);
        return recallFromNeighbours(neighbours, labels, labels, ks);
    }

    /** MAP@R and R-Precision over the queries that have at least one other item of their class. */
    public record RankingScores(double mapAtR, double rPrecision, int queries) {}

    /**
     * MAP@R and R-Precision (Musgrave et al., ECCV 2020), leave-one-out over one set: for a query with R
     * other items of its class, R-Precision is the fraction of its top R neighbours that share its class and
     * AP@R = (1/R) Σ_{r≤R} P(r)·rel(r). Queries whose class has no other item are left out of the means
     * (<b>Choice</b>, as the reference implementation does); when no query qualifies both are NaN.
     * The neighbour lists hold max R entries per query, so memory is n × (largest class − 1).
     */
    public static RankingScores mapAtR(float[] embeddings, int dim, int[] labels) {
        int n = labels.length;
        if ((long) n * dim != embeddings.length) {
            throw new IllegalArgumentException(n + " labels but " + embeddings.length / Math.max(dim, 1)
                    + " embeddings of dimension " + dim);
        }
        java.util.Map<Integer, Integer> classSize = new java.util.HashMap<>();
        for (int y : labels) {
            classSize.merge(y, 1, Integer::sum);
        }
        int maxR = classSize.values().stream().mapToInt(Integer::intValue).max().orElse(1) - 1;
        if (maxR == 0) {
            return new RankingScores(Double.NaN, Double.NaN, 0);
        }
        int[][] neighbours = ExactKnn.search(embeddings, embeddings, dim, maxR, 0);
        double apSum = 0;
        double rpSum = 0;
        int queries = 0;
        for (int q = 0; q < n; q++) {
            int r = classSize.get(labels[q]) - 1;
            if (r == 0) {
                continue;
            }
            int hits = 0;
            double precisionSum = 0;
            for (int rank = 0; rank < r; rank++) {
                if (labels[neighbours[q][rank]] == labels[q]) {
                    hits++;
                    precisionSum += hits / (double) (rank + 1);
                }
            }
            apSum += precisionSum / r;
            rpSum += hits / (double) r;
            queries++;
        }
        return new RankingScores(apSum / queries, rpSum / queries, queries);
    }

    /** Recall@K given each query's ranked neighbours (indices into {@code galleryLabels}). */
    public static Map<Integer, Double> recallFromNeighbours(int[][] neighbours, int[] queryLabels,
            int[] galleryLabels, int... ks) {
        Map<Integer, Double> out = new LinkedHashMap<>();
        for (int k : ks) {
            if (k <= 0) {
                throw new IllegalArgumentException("K must be positive, got " + k);
            }
            long hits = 0;
            for (int q = 0; q < neighbours.length; q++) {
                int[] row = neighbours[q];
                for (int r = 0; r < Math.min(k, row.length); r++) {
                    if (row[r] >= 0 && galleryLabels[row[r]] == queryLabels[q]) {
                        hits++;
                        break;
                    }
                }
            }
            out.put(k, hits / (double) neighbours.length);
        }
        return out;
    }
}
