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
