package io.simforge.train.loss;

/**
 * The losses and Embedding Expansion written again from methods.md with plain double loops, one anchor
 * and one pair at a time, to check the vectorised implementations against. Nothing here calls the code
 * under test.
 */
final class Reference {
    private Reference() {}

    /** A batch: rows, labels, and the number of row blocks (views per anchor). */
    record Batch(double[][] x, int[] y, int groups) {}

    static double dot(double[] a, double[] b) {
        double s = 0;
        for (int d = 0; d < a.length; d++) {
            s += a[d] * b[d];
        }
        return s;
    }

    static double dist(double[] a, double[] b) {
        double s = 0;
        for (int d = 0; d < a.length; d++) {
            s += (a[d] - b[d]) * (a[d] - b[d]);
        }
        return Math.sqrt(Math.max(s, 1e-12));
    }

    static double ms(Batch b, double alpha, double beta, double lambda, double eps, boolean mining) {
        double[][] x = b.x();
        int[] y = b.y();
        int m = x.length;
        double total = 0;
        for (int i = 0; i < m; i++) {
            double minPos = Double.POSITIVE_INFINITY;
            double maxNeg = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < m; j++) {
                if (j != i && y[j] == y[i]) {
                    minPos = Math.min(minPos, dot(x[i], x[j]));
                } else if (y[j] != y[i]) {
                    maxNeg = Math.max(maxNeg, dot(x[i], x[j]));
                }
            }
            double posSum = 0;
            double negSum = 0;
            int pos = 0;
            int neg = 0;
            for (int j = 0; j < m; j++) {
                double s = dot(x[i], x[j]);
                if (j != i && y[j] == y[i] && (!mining || s - eps < maxNeg)) {
                    posSum += Math.exp(-alpha * (s - lambda));
                    pos++;
                } else if (y[j] != y[i] && (!mining || s + eps > minPos)) {
                    negSum += Math.exp(beta * (s - lambda));
                    neg++;
                }
            }
            if (pos > 0 && neg > 0) {
                total += Math.log(1 + posSum) / alpha + Math.log(1 + negSum) / beta;
            }
        }
        return total / m;
    }

    /** Batch-hard triplet with hard negative pair mining over each anchor's views (groups). */
    static double triplet(Batch b, double margin, boolean soft) {
        double[][] x = b.x();
        int[] y = b.y();
        int rows = x.length;
        int anchors = rows / b.groups();
        double total = 0;
        int valid = 0;
        for (int i = 0; i < anchors; i++) {
            double dap = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < anchors; j++) {
                if (j != i && y[j] == y[i]) {
                    dap = Math.max(dap, dist(x[i], x[j]));
                }
            }
            double dan = Double.POSITIVE_INFINITY;
            for (int g = 0; g < b.groups(); g++) {
                int r = g * anchors + i;
                for (int c = 0; c < rows; c++) {
                    if (y[c] != y[i]) {
                        dan = Math.min(dan, dist(x[r], x[c]));
                    }
                }
            }
            if (dap == Double.NEGATIVE_INFINITY || dan == Double.POSITIVE_INFINITY) {
                continue;
            }
            valid++;
            double gap = dap - dan;
            total += soft ? Math.log(1 + Math.exp(gap)) : Math.max(0, gap + margin);
        }
        return valid == 0 ? 0 : total / valid;
    }

    static double lifted(Batch b, double alpha) {
        double[][] x = b.x();
        int[] y = b.y();
        int m = x.length;
        double total = 0;
        int pairs = 0;
        for (int i = 0; i < m; i++) {
            for (int j = i + 1; j < m; j++) {
                if (y[i] != y[j]) {
                    continue;
                }
                pairs++;
                double sum = 0;
                for (int k = 0; k < m; k++) {
                    if (y[k] != y[i]) {
                        sum += Math.exp(alpha - dist(x[i], x[k])) + Math.exp(alpha - dist(x[j], x[k]));
                    }
                }
                if (sum == 0) {
                    continue; // log(0) = -inf, max(0, -inf) = 0
                }
                double jij = Math.log(sum) + dist(x[i], x[j]);
                total += Math.max(0, jij) * Math.max(0, jij);
            }
        }
        return pairs == 0 ? 0 : total / (2.0 * pairs);
    }

    static double npair(Batch b, double l2Weight) {
        double[][] x = b.x();
        int[] y = b.y();
        int m = x.length;
        double total = 0;
        double sq = 0;
        for (int i = 0; i < m; i++) {
            int p = i ^ 1;
            double sum = 0;
            for (int k = 0; k < m; k++) {
                if (y[k] != y[i]) {
                    sum += Math.exp(dot(x[i], x[k]) - dot(x[i], x[p]));
                }
            }
            total += Math.log(1 + sum);
            sq += dot(x[i], x[i]);
        }
        return total / m + l2Weight * sq / m;
    }

    static double contrastive(Batch b, double posMargin, double negMargin) {
        double[][] x = b.x();
        int[] y = b.y();
        double pos = 0;
        double neg = 0;
        int np = 0;
        int nn = 0;
        for (int i = 0; i < x.length; i++) {
            for (int j = 0; j < x.length; j++) {
                if (i == j) {
                    continue;
                }
                double d = dist(x[i], x[j]);
                if (y[i] == y[j]) {
                    pos += Math.pow(Math.max(0, d - posMargin), 2);
                    np++;
                } else {
                    neg += Math.pow(Math.max(0, negMargin - d), 2);
                    nn++;
                }
            }
        }
        return (np == 0 ? 0 : pos / np) + (nn == 0 ? 0 : neg / nn);
    }

    /** Embedding Expansion: n synthetic points per row towards its partner i XOR 1, block order. */
    static Batch expand(double[][] x, int[] y, int n, boolean normalize) {
        int b = x.length;
        int d = x[0].length;
        double[][] out = new double[b * (n + 1)][];
        int[] labels = new int[b * (n + 1)];
        for (int i = 0; i < b; i++) {
            out[i] = x[i].clone();
            labels[i] = y[i];
        }
        for (int k = 1; k <= n; k++) {
            for (int i = 0; i < b; i++) {
                double[] p = x[i ^ 1];
                double[] s = new double[d];
                double norm = 0;
                for (int t = 0; t < d; t++) {
                    s[t] = (k * p[t] + (n + 1 - k) * x[i][t]) / (n + 1);
                    norm += s[t] * s[t];
                }
                if (normalize) {
                    norm = Math.max(Math.sqrt(norm), 1e-12);
                    for (int t = 0; t < d; t++) {
                        s[t] /= norm;
                    }
                }
                out[k * b + i] = s;
                labels[k * b + i] = y[i];
            }
        }
        return new Batch(out, labels, n + 1);
    }
}
