package io.simforge.eval;

import java.util.HashMap;
import java.util.Map;

/**
 * NMI and clustering F1 (methods.md §5), both from the contingency table of classes × clusters, so the
 * cost is linear in the number of items whatever the number of pairs.
 */
public final class ClusteringMetrics {
    private ClusteringMetrics() {}

    /** Counts of (class, cluster) pairs, with the row and column totals. */
    record Contingency(Map<Long, Long> cells, Map<Integer, Long> classes, Map<Integer, Long> clusters, long n) {
        static Contingency of(int[] labels, int[] clusters) {
            if (labels.length != clusters.length) {
                throw new IllegalArgumentException(labels.length + " labels but " + clusters.length + " cluster ids");
            }
            if (labels.length == 0) {
                throw new IllegalArgumentException("clustering metrics need at least one item");
            }
            Map<Long, Long> cells = new HashMap<>();
            Map<Integer, Long> rows = new HashMap<>();
            Map<Integer, Long> cols = new HashMap<>();
            for (int i = 0; i < labels.length; i++) {
                cells.merge(((long) labels[i] << 32) | (clusters[i] & 0xffffffffL), 1L, Long::sum);
                rows.merge(labels[i], 1L, Long::sum);
                cols.merge(clusters[i], 1L, Long::sum);
            }
            return new Contingency(cells, rows, cols, labels.length);
        }
    }

    /**
     * NMI = 2·I(Y;C) / (H(Y) + H(C)). When both entropies are 0 (one class, one cluster) the two partitions
     * are identical and NMI is 1.
     */
    public static double nmi(int[] labels, int[] clusters) {
        Contingency t = Contingency.of(labels, clusters);
        double n = t.n();
        double hy = entropy(t.classes(), n);
        double hc = entropy(t.clusters(), n);
        if (hy + hc == 0) {
            return 1.0;
        }
        double mi = 0;
        for (Map.Entry<Long, Long> e : t.cells().entrySet()) {
            int y = (int) (e.getKey() >> 32);
            int c = (int) (long) e.getKey();
            double pyc = e.getValue() / n;
            double py = t.classes().get(y) / n;
            double pc = t.clusters().get(c) / n;
            mi += pyc * Math.log(pyc / (py * pc));
        }
        return 2 * mi / (hy + hc);
    }

    /**
     * Pair-counting F1: TP = pairs of the same class in the same cluster, FP = different class, same
     * cluster, FN = same class, different cluster. 0 when there is no pair in a cluster or of a class.
     */
    public static double f1(int[] labels, int[] clusters) {
        Contingency t = Contingency.of(labels, clusters);
        long tp = 0;
        for (long count : t.cells().values()) {
            tp += pairs(count);
        }
        long sameCluster = 0;
        for (long count : t.clusters().values()) {
            sameCluster += pairs(count);
        }
        long sameClass = 0;
        for (long count : t.classes().values()) {
            sameClass += pairs(count);
        }
        if (tp == 0 || sameCluster == 0 || sameClass == 0) {
            return 0.0;
        }
        double precision = tp / (double) sameCluster;
        double recall = tp / (double) sameClass;
        return 2 * precision * recall / (precision + recall);
    }

    private static long pairs(long count) {
        return count * (count - 1) / 2;
    }

    private static double entropy(Map<Integer, Long> counts, double n) {
        double h = 0;
        for (long c : counts.values()) {
            double p = c / n;
            h -= p * Math.log(p);
        }
        return h;
    }
}
