package io.simforge.eval;

import io.simforge.core.metrics.RetrievalMetrics;

import io.simforge.eval.KMeans;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/** Every metric of methods.md §5 for one set of L2-normalised embeddings, in one call. */
public final class EmbeddingMetrics {
    private EmbeddingMetrics() {}

    /**
     * Leave-one-out form (CUB, Cars196, SOP): Recall@K for each K, P@1, MAP@R, R-Precision, and NMI and F1 of
     * a k-means clustering with k = the number of classes (k-means++ seeding, {@code seed}).
     *
     * @return metric name → value, in a stable order ({@code recall@K…, p@1, map@r, r_precision, nmi, f1})
     */
    public static Map<String, Double> all(float[] embeddings, int dim, int[] labels, int[] ks, long seed) {
        Map<String, Double> out = RetrievalMetrics.evaluate(embeddings, dim, labels, ks).toMap();
        out.putAll(clustering(embeddings, dim, labels, seed));
        return out;
    }

    /**
     * Query/gallery form (In-Shop): the retrieval metrics of the queries against the gallery, and NMI and F1
     * of a clustering of the queries (<b>Choice</b>, as pytorch-metric-learning does: the clustering
     * metrics describe the query embeddings).
     */
    public static Map<String, Double> all(float[] queries, int[] queryLabels, float[] gallery, int[] galleryLabels,
            int dim, int[] ks, long seed) {
        Map<String, Double> out = RetrievalMetrics.evaluate(queries, queryLabels, gallery, galleryLabels, dim, ks)
                .toMap();
        out.putAll(clustering(queries, dim, queryLabels, seed));
        return out;
    }

    /** NMI and F1 of k-means with k = the number of distinct labels. */
    public static Map<String, Double> clustering(float[] embeddings, int dim, int[] labels, long seed) {
        int classes = (int) Arrays.stream(labels).distinct().count();
        int[] clusters = KMeans.fit(embeddings, dim, classes, seed).assignments();
        Map<String, Double> out = new LinkedHashMap<>();
        out.put("nmi", ClusteringMetrics.nmi(labels, clusters));
        out.put("f1", ClusteringMetrics.f1(labels, clusters));
        return out;
    }
}
