package io.simforge.hnsw;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/** Test data and the float64 reference the indexes are checked against. */
final class Vectors {
    private Vectors() {}

    /** {@code n} unit vectors around {@code centres} random centres (a Gaussian mixture, like real embeddings). */
    static float[] clustered(Random r, int n, int dim, int centres, double spread) {
        float[] c = new float[centres * dim];
        for (int i = 0; i < c.length; i++) {
            c[i] = (float) r.nextGaussian();
        }
        float[] v = new float[n * dim];
        for (int i = 0; i < n; i++) {
            int k = r.nextInt(centres);
            double norm = 0;
            for (int d = 0; d < dim; d++) {
                double x = c[k * dim + d] / Math.sqrt(dim) + spread * r.nextGaussian() / Math.sqrt(dim);
                v[i * dim + d] = (float) x;
                norm += x * x;
            }
            for (int d = 0; d < dim; d++) {
                v[i * dim + d] /= (float) Math.sqrt(norm);
            }
        }
        return v;
    }

    static List<String> ids(int n) {
        List<String> ids = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            ids.add("item-" + i);
        }
        return ids;
    }

    /** Ids of the top k rows by float64 inner product (cosine: both sides normalised in float64), among allowed. */
    static List<List<String>> bruteForce(float[] gallery, float[] queries, int dim, int k, boolean cosine,
            boolean[] allowed) {
        int n = gallery.length / dim;
        List<List<String>> out = new ArrayList<>();
        for (int q = 0; q < queries.length / dim; q++) {
            double[] s = new double[n];
            Integer[] order = new Integer[n];
            for (int i = 0; i < n; i++) {
                s[i] = score(gallery, i, queries, q, dim, cosine);
                order[i] = i;
            }
            Arrays.sort(order, (a, b) -> Double.compare(s[b], s[a]));
            List<String> top = new ArrayList<>();
            for (int i = 0; i < n && top.size() < k; i++) {
                if (allowed == null || allowed[order[i]]) {
                    top.add("item-" + order[i]);
                }
            }
            out.add(top);
        }
        return out;
    }

    /** The float64 inner product of query q and gallery row i (cosine when asked). */
    static double score(float[] gallery, int i, float[] queries, int q, int dim, boolean cosine) {
        double dot = 0;
        double nq = 0;
        double ng = 0;
        for (int d = 0; d < dim; d++) {
            dot += (double) queries[q * dim + d] * gallery[i * dim + d];
            nq += (double) queries[q * dim + d] * queries[q * dim + d];
            ng += (double) gallery[i * dim + d] * gallery[i * dim + d];
        }
        return cosine ? dot / Math.sqrt(nq * ng) : dot;
    }
}
