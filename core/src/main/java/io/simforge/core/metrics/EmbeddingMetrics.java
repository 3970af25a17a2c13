package io.simforge.core.metrics;

import io.simforge.core.cluster.KMeans;
import java.util.LinkedHashMap;
import java.util.Map;

/** Every metric of methods.md §5 for one set of L2-normalised embeddings, in one call. */
public final class EmbeddingMetrics {
    private EmbeddingMetrics() {}

    /**
     * Recall@K for each K, MAP@R, R-Precision, and NMI and F1 of a k-means clustering with k = the number of
     * classes (k-means++ seeding, {@code seed}).
     *
     * @return metric name → value, in a stable order ({@code recall@K…, map@r, r_precision, nmi, f1})
     */
    public static Map<String, Double> all(float[] embeddings, int dim, int[] labels, int[] ks, long seed) {
        Map<String, Double> out = new LinkedHashMap<>();
        RetrievalMetrics.recallAtK(embeddings, dim, labels, ks).forEach((k, v) -> out.put("recall@" + k, v));
        RetrievalMetrics.RankingScores ranking = RetrievalMetrics.mapAtR(embeddings, dim, labels);
        out.put("map@r", ranking.mapAtR());
        out.put("r_precision", ranking.rPrecision());
        int classes = (int) java.util.Arrays.stream(labels).distinct().count();
        int[] clusters = KMeans.fit(embeddings, dim, classes, seed).assignments();
        out.put("nmi", ClusteringMetrics.nmi(labels, clusters));
        out.put("f1", ClusteringMetrics.f1(labels, clusters));
        return out;
    }
}
