package io.simforge.train.loss;

/**
 * The losses, Embedding Expansion and the cross-batch memory written again from methods.md and the papers with
 * plain double loops, one anchor and one pair at a time, to check the vectorised implementations against.
 * Nothing here calls the code under test.
 */
final class Reference {
    private Reference() {}

    /** A batch: rows, labels, and the number of row blocks (views per anchor). */
    record Batch(double[][] x, int[] y, int groups) {}

    /** Earlier embeddings the rows of a batch are paired with: a cross-batch memory's entries. */
    record Memory(double[][] x, int[] y, int[] ids) {}

    /**
     * Anchor rows and what each is paired with: the batch itself (a row never with itself) or a memory (a row never
     * with an entry of its own dataset item; {@code rowIds} −1 or null: no item).
     */
    record Pairs(Batch rows, Memory memory, int[] rowIds) {
        static Pairs square(Batch b) {
            return new Pairs(b, null, null);
        }

        static Pairs memory(Batch b, int[] rowIds, Memory m) {
            return new Pairs(b, m, rowIds);
        }

        int rowCount() {
            return rows.x().length;
        }

        int columns() {
            return memory == null ? rows.x().length : memory.x().length;
        }

        double[] column(int j) {
            return memory == null ? rows.x()[j] : memory.x()[j];
        }

        int columnLabel(int j) {
            return memory == null ? rows.y()[j] : memory.y()[j];
        }

        boolean positive(int i, int j) {
            if (rows.y()[i] != columnLabel(j)) {
                return false;
            }
            if (memory == null) {
                return i != j;
            }
            return rowIds == null || rowIds[i] < 0 || rowIds[i] != memory.ids()[j];
        }

        boolean negative(int i, int j) {
            return rows.y()[i] != columnLabel(j);
        }

        double s(int i, int j) {
            return dot(rows.x()[i], column(j));
        }

        double d(int i, int j) {
            return dist(rows.x()[i], column(j));
        }
    }

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

    static double[] unit(double[] v) {
        double n = Math.sqrt(Math.max(dot(v, v), 1e-24));
        double[] out = new double[v.length];
        for (int d = 0; d < v.length; d++) {
            out[d] = v[d] / n;
        }
        return out;
    }

    static double ms(Batch b, double alpha, double beta, double lambda, double eps, boolean mining) {
        return ms(Pairs.square(b), alpha, beta, lambda, eps, mining);
    }

    static double ms(Pairs p, double alpha, double beta, double lambda, double eps, boolean mining) {
        int m = p.rowCount();
        double total = 0;
        for (int i = 0; i < m; i++) {
            double minPos = Double.POSITIVE_INFINITY;
            double maxNeg = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < p.columns(); j++) {
                if (p.positive(i, j)) {
                    minPos = Math.min(minPos, p.s(i, j));
                } else if (p.negative(i, j)) {
                    maxNeg = Math.max(maxNeg, p.s(i, j));
                }
            }
            double posSum = 0;
            double negSum = 0;
            int pos = 0;
            int neg = 0;
            for (int j = 0; j < p.columns(); j++) {
                double s = p.s(i, j);
                if (p.positive(i, j) && (!mining || s - eps < maxNeg)) {
                    posSum += Math.exp(-alpha * (s - lambda));
                    pos++;
                } else if (p.negative(i, j) && (!mining || s + eps > minPos)) {
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
        return triplet(Pairs.square(b), margin, soft);
    }

    static double triplet(Pairs p, double margin, boolean soft) {
        Batch b = p.rows();
        int rows = b.x().length;
        int anchors = rows / b.groups();
        double total = 0;
        int valid = 0;
        for (int i = 0; i < anchors; i++) {
            double dap = Double.NEGATIVE_INFINITY;
            // Positives among originals: the batch's first block, or every memory entry.
            int positiveColumns = p.memory() == null ? anchors : p.columns();
            for (int j = 0; j < positiveColumns; j++) {
                if (p.positive(i, j)) {
                    dap = Math.max(dap, p.d(i, j));
                }
            }
            double dan = Double.POSITIVE_INFINITY;
            for (int g = 0; g < b.groups(); g++) {
                int r = g * anchors + i;
                for (int c = 0; c < p.columns(); c++) {
                    if (p.negative(r, c)) {
                        dan = Math.min(dan, p.d(r, c));
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

    /** Lifted structure against a memory: every (row, entry) positive pair, with the row's negatives only. */
    static double lifted(Pairs p, double alpha) {
        if (p.memory() == null) {
            return lifted(p.rows(), alpha);
        }
        double total = 0;
        int pairs = 0;
        for (int i = 0; i < p.rowCount(); i++) {
            double sum = 0;
            for (int k = 0; k < p.columns(); k++) {
                if (p.negative(i, k)) {
                    sum += Math.exp(alpha - p.d(i, k));
                }
            }
            for (int j = 0; j < p.columns(); j++) {
                if (!p.positive(i, j)) {
                    continue;
                }
                pairs++;
                if (sum > 0) {
                    double jij = Math.log(sum) + p.d(i, j);
                    total += Math.max(0, jij) * Math.max(0, jij);
                }
            }
        }
        return pairs == 0 ? 0 : total / (2.0 * pairs);
    }

    static double npair(Batch b, double l2Weight) {
        return npair(Pairs.square(b), l2Weight);
    }

    /** N-pair: the partner i XOR 1 from the batch, the negatives from what the rows are paired with. */
    static double npair(Pairs p, double l2Weight) {
        double[][] x = p.rows().x();
        int m = x.length;
        double total = 0;
        double sq = 0;
        for (int i = 0; i < m; i++) {
            double partner = dot(x[i], x[i ^ 1]);
            double sum = 0;
            for (int k = 0; k < p.columns(); k++) {
                if (p.negative(i, k)) {
                    sum += Math.exp(p.s(i, k) - partner);
                }
            }
            total += Math.log(1 + sum);
            sq += dot(x[i], x[i]);
        }
        return total / m + (p.memory() == null ? l2Weight * sq / m : 0);
    }

    static double contrastive(Batch b, double posMargin, double negMargin) {
        return contrastive(Pairs.square(b), posMargin, negMargin);
    }

    static double contrastive(Pairs p, double posMargin, double negMargin) {
        double pos = 0;
        double neg = 0;
        int np = 0;
        int nn = 0;
        for (int i = 0; i < p.rowCount(); i++) {
            for (int j = 0; j < p.columns(); j++) {
                double d = p.d(i, j);
                if (p.positive(i, j)) {
                    pos += Math.pow(Math.max(0, d - posMargin), 2);
                    np++;
                } else if (p.negative(i, j)) {
                    neg += Math.pow(Math.max(0, negMargin - d), 2);
                    nn++;
                }
            }
        }
        return (np == 0 ? 0 : pos / np) + (nn == 0 ? 0 : neg / nn);
    }

    static double circle(Batch b, double gamma, double m) {
        return circle(Pairs.square(b), Pairs.square(b), gamma, m);
    }

    /**
     * Circle loss (Sun et al., CVPR 2020, eq. 4), mean over anchors with a positive and a negative. The weights
     * α_p = [1 + m − s_p]₊ and α_n = [s_n + m]₊ are computed from {@code weightsFrom}'s similarities: the same pairs
     * for the value, the unperturbed ones for a finite-difference check of the gradient (the weights carry none).
     */
    static double circle(Pairs p, Pairs weightsFrom, double gamma, double m) {
        double total = 0;
        int valid = 0;
        for (int i = 0; i < p.rowCount(); i++) {
            java.util.List<Double> posLogits = new java.util.ArrayList<>();
            java.util.List<Double> negLogits = new java.util.ArrayList<>();
            for (int j = 0; j < p.columns(); j++) {
                double s = p.s(i, j);
                double s0 = weightsFrom.s(i, j);
                if (p.positive(i, j)) {
                    posLogits.add(-gamma * Math.max(0, 1 + m - s0) * (s - (1 - m)));
                } else if (p.negative(i, j)) {
                    negLogits.add(gamma * Math.max(0, s0 + m) * (s - m));
                }
            }
            if (!posLogits.isEmpty() && !negLogits.isEmpty()) {
                valid++;
                // log(1 + Σ_n e^a · Σ_p e^b) = softplus(log Σ_n e^a + log Σ_p e^b), in logs: γ = 256 overflows exp.
                double z = logSumExp(negLogits) + logSumExp(posLogits);
                total += z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z));
            }
        }
        return valid == 0 ? 0 : total / valid;
    }

    static double logSumExp(java.util.List<Double> values) {
        double max = Double.NEGATIVE_INFINITY;
        for (double v : values) {
            max = Math.max(max, v);
        }
        double sum = 0;
        for (double v : values) {
            sum += Math.exp(v - max);
        }
        return max + Math.log(sum);
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

    /** The ids of an expanded batch: the originals', then −1 (no item) for every synthetic row. */
    static int[] expandIds(int[] ids, int groups) {
        int[] out = new int[ids.length * groups];
        java.util.Arrays.fill(out, -1);
        System.arraycopy(ids, 0, out, 0, ids.length);
        return out;
    }

    /**
     * Proxy-Anchor (Kim et al., CVPR 2020, eq. 4) with raw (un-normalised) proxies, one per class: the positive term
     * averages over the proxies whose class is in the batch, the negative term over all proxies.
     */
    static double proxyAnchor(double[][] x, int[] y, double[][] rawProxies, double alpha, double delta) {
        int classes = rawProxies.length;
        double pos = 0;
        int withPositives = 0;
        double neg = 0;
        for (int c = 0; c < classes; c++) {
            double[] proxy = unit(rawProxies[c]);
            double posSum = 0;
            double negSum = 0;
            boolean has = false;
            for (int i = 0; i < x.length; i++) {
                double s = dot(x[i], proxy);
                if (y[i] == c) {
                    has = true;
                    posSum += Math.exp(-alpha * (s - delta));
                } else {
                    negSum += Math.exp(alpha * (s + delta));
                }
            }
            if (has) {
                withPositives++;
                pos += Math.log(1 + posSum);
            }
            neg += Math.log(1 + negSum);
        }
        return pos / withPositives + neg / classes;
    }

    /**
     * ArcFace (additive angular margin, with insightface's fallback cos θ − m·sin m past θ = π − m) or CosFace
     * (additive cosine margin): mean cross-entropy of {@code scale}-times the logits, with raw class weights.
     */
    static double marginSoftmax(double[][] x, int[] y, double[][] rawWeights, boolean arcface, double scale,
            double margin) {
        double total = 0;
        for (int i = 0; i < x.length; i++) {
            double[] logits = new double[rawWeights.length];
            for (int c = 0; c < rawWeights.length; c++) {
                double cos = dot(x[i], unit(rawWeights[c]));
                double logit = cos;
                if (c == y[i]) {
                    if (arcface) {
                        double theta = Math.acos(Math.max(-1, Math.min(1, cos)));
                        logit = theta < Math.PI - margin ? Math.cos(theta + margin) : cos - margin * Math.sin(margin);
                    } else {
                        logit = cos - margin;
                    }
                }
                logits[c] = scale * logit;
            }
            double max = Double.NEGATIVE_INFINITY;
            for (double l : logits) {
                max = Math.max(max, l);
            }
            double sum = 0;
            for (double l : logits) {
                sum += Math.exp(l - max);
            }
            total += max + Math.log(sum) - logits[y[i]];
        }
        return total / x.length;
    }
}
