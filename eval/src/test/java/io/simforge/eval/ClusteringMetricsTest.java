package io.simforge.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.junit.jupiter.api.Test;

class ClusteringMetricsTest {

    private static double log2(double x) {
        return Math.log(x) / Math.log(2);
    }

    @Test
    void theSpecsWorkedNmiExample() {
        // Cluster 0: 3 items of class 1, 7 of class 2. Cluster 1: 7 of class 1, 3 of class 2.
        int[] labels = new int[20];
        int[] clusters = new int[20];
        for (int i = 0; i < 20; i++) {
            clusters[i] = i < 10 ? 0 : 1;
            labels[i] = i < 10 ? (i < 3 ? 1 : 2) : (i < 17 ? 1 : 2);
        }
        // Cluster 0's share of H(Y|C) with P(C=0) = 1/2: 0.4406 bits (methods.md §5).
        double share = 0.5 * -(0.3 * log2(0.3) + 0.7 * log2(0.7));
        assertEquals(0.4406, share, 5e-5);
        // H(Y) = H(C) = 1 bit, H(Y|C) = 2 × share, I = 1 − H(Y|C); NMI = 2I / 2 (unitless, any log base).
        assertEquals(1 - 2 * share, ClusteringMetrics.nmi(labels, clusters), 1e-12);
    }

    @Test
    void degenerateClusterings() {
        int[] one = {4, 4, 4, 4};
        assertEquals(1.0, ClusteringMetrics.nmi(one, new int[] {0, 0, 0, 0}), 0.0, "identical single partitions");
        assertEquals(1.0, ClusteringMetrics.f1(one, new int[] {0, 0, 0, 0}), 0.0);
        int[] distinct = {0, 1, 2, 3};
        assertEquals(1.0, ClusteringMetrics.nmi(distinct, new int[] {3, 2, 1, 0}), 1e-12, "relabelled clusters");
        assertEquals(0.0, ClusteringMetrics.f1(distinct, new int[] {3, 2, 1, 0}), 0.0, "no same-class pairs at all");
        assertEquals(0.0, ClusteringMetrics.nmi(new int[] {0, 0, 1, 1}, new int[] {0, 1, 0, 1}), 1e-12, "independent");
    }

    /** NMI from explicit probabilities and F1 from explicit pairs, on random labelings. */
    @Test
    void matchesExplicitComputationsOnRandomData() {
        Random r = new Random(9);
        for (int trial = 0; trial < 20; trial++) {
            int n = 5 + r.nextInt(60);
            int[] y = new int[n];
            int[] c = new int[n];
            for (int i = 0; i < n; i++) {
                y[i] = r.nextInt(1 + r.nextInt(5));
                c[i] = r.nextInt(1 + r.nextInt(6));
            }
            long tp = 0;
            long fp = 0;
            long fn = 0;
            for (int i = 0; i < n; i++) {
                for (int j = i + 1; j < n; j++) {
                    boolean sameY = y[i] == y[j];
                    boolean sameC = c[i] == c[j];
                    tp += sameY && sameC ? 1 : 0;
                    fp += !sameY && sameC ? 1 : 0;
                    fn += sameY && !sameC ? 1 : 0;
                }
            }
            double p = tp / (double) (tp + fp);
            double rec = tp / (double) (tp + fn);
            double f1 = tp == 0 ? 0 : 2 * p * rec / (p + rec);
            assertEquals(f1, ClusteringMetrics.f1(y, c), 1e-12, "F1 trial " + trial);

            int ky = 6;
            int kc = 7;
            double[][] joint = new double[ky][kc];
            double[] py = new double[ky];
            double[] pc = new double[kc];
            for (int i = 0; i < n; i++) {
                joint[y[i]][c[i]] += 1.0 / n;
                py[y[i]] += 1.0 / n;
                pc[c[i]] += 1.0 / n;
            }
            double hy = 0;
            double hc = 0;
            double mi = 0;
            for (int a = 0; a < ky; a++) {
                hy -= py[a] > 0 ? py[a] * log2(py[a]) : 0;
            }
            for (int b = 0; b < kc; b++) {
                hc -= pc[b] > 0 ? pc[b] * log2(pc[b]) : 0;
            }
            for (int a = 0; a < ky; a++) {
                for (int b = 0; b < kc; b++) {
                    mi += joint[a][b] > 0 ? joint[a][b] * log2(joint[a][b] / (py[a] * pc[b])) : 0;
                }
            }
            double nmi = hy + hc == 0 ? 1 : 2 * mi / (hy + hc);
            assertEquals(nmi, ClusteringMetrics.nmi(y, c), 1e-9, "NMI trial " + trial);
        }
    }
}
