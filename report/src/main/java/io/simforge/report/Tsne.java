package io.simforge.report;

import java.util.stream.IntStream;

/**
 * Exact t-SNE (van der Maaten and Hinton, 2008) for the report's 2-D map of the embeddings: Gaussian
 * affinities calibrated to a perplexity by binary search, Student-t similarities in the map, early
 * exaggeration, momentum and per-coordinate gains as in the reference implementation. O(n²) per
 * iteration, so the report runs it on a sample of at most a few thousand points. Initialised from the
 * first two principal components (scaled down), so the result is deterministic and keeps the global layout.
 */
public final class Tsne {
    private static final int ITERATIONS = 750;
    private static final int EXAGGERATION_ITERATIONS = 250;
    private static final double EXAGGERATION = 12;

    private Tsne() {}

    /**
     * @param x row-major {@code n × dim}
     * @return row-major {@code n × 2}
     */
    public static double[] embed(float[] x, int dim, double perplexity) {
        int n = x.length / dim;
        if (n < 4) {
            throw new IllegalArgumentException("t-SNE needs at least 4 points, got " + n);
        }
        double perp = Math.min(perplexity, (n - 1) / 3.0);
        double[] p = affinities(x, dim, n, perp);
        double[] y = Pca.project(x, dim, 2);
        double sd = 0;
        for (double v : y) {
            sd += v * v;
        }
        sd = Math.sqrt(sd / y.length);
        for (int i = 0; i < y.length; i++) {
            y[i] = sd > 0 ? y[i] / sd * 1e-4 : 0;
        }
        double learningRate = Math.max(n / EXAGGERATION, 50);
        double[] update = new double[2 * n];
        double[] gains = new double[2 * n];
        java.util.Arrays.fill(gains, 1);
        double[] grad = new double[2 * n];
        float[] q = new float[n * n];
        for (int it = 0; it < ITERATIONS; it++) {
            double exaggeration = it < EXAGGERATION_ITERATIONS ? EXAGGERATION : 1;
            double momentum = it < EXAGGERATION_ITERATIONS ? 0.5 : 0.8;
            double[] rowSums = new double[n];
            IntStream.range(0, n).parallel().forEach(i -> {
                double s = 0;
                for (int j = 0; j < n; j++) {
                    if (j == i) {
                        q[i * n + j] = 0;
                        continue;
                    }
                    double dx = y[2 * i] - y[2 * j];
                    double dy = y[2 * i + 1] - y[2 * j + 1];
                    float v = (float) (1 / (1 + dx * dx + dy * dy));
                    q[i * n + j] = v;
                    s += v;
                }
                rowSums[i] = s;
            });
            double z = 0;
            for (double s : rowSums) {
                z += s;
            }
            double invZ = 1 / z;
            IntStream.range(0, n).parallel().forEach(i -> {
                double gx = 0;
                double gy = 0;
                for (int j = 0; j < n; j++) {
                    double num = q[i * n + j];
                    double m = (exaggeration * p[i * n + j] - num * invZ) * num;
                    gx += m * (y[2 * i] - y[2 * j]);
                    gy += m * (y[2 * i + 1] - y[2 * j + 1]);
                }
                grad[2 * i] = 4 * gx;
                grad[2 * i + 1] = 4 * gy;
            });
            for (int c = 0; c < 2 * n; c++) {
                gains[c] = Math.signum(grad[c]) != Math.signum(update[c]) ? gains[c] + 0.2 : gains[c] * 0.8;
                gains[c] = Math.max(gains[c], 0.01);
                update[c] = momentum * update[c] - learningRate * gains[c] * grad[c];
                y[c] += update[c];
            }
        }
        return y;
    }

    /** Symmetric joint probabilities P (n × n) from Gaussian conditionals with the given perplexity. */
    static double[] affinities(float[] x, int dim, int n, double perplexity) {
        double[] d2 = new double[n * n];
        IntStream.range(0, n).parallel().forEach(i -> {
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int d = 0; d < dim; d++) {
                    double t = x[i * dim + d] - x[j * dim + d];
                    s += t * t;
                }
                d2[i * n + j] = s;
            }
        });
        double target = Math.log(perplexity);
        double[] p = new double[n * n];
        IntStream.range(0, n).parallel().forEach(i -> {
            double beta = 1;
            double lo = 0;
            double hi = Double.POSITIVE_INFINITY;
            double[] row = new double[n];
            for (int step = 0; step < 100; step++) {
                // Shift by the smallest distance so exp() never underflows to all zeros.
                double min = Double.POSITIVE_INFINITY;
                for (int j = 0; j < n; j++) {
                    if (j != i) {
                        min = Math.min(min, d2[i * n + j]);
                    }
                }
                double sum = 0;
                double weighted = 0;
                for (int j = 0; j < n; j++) {
                    row[j] = j == i ? 0 : Math.exp(-beta * (d2[i * n + j] - min));
                    sum += row[j];
                    weighted += row[j] * (d2[i * n + j] - min);
                }
                double entropy = Math.log(sum) + beta * weighted / sum;
                for (int j = 0; j < n; j++) {
                    row[j] /= sum;
                }
                double diff = entropy - target;
                if (Math.abs(diff) < 1e-5) {
                    break;
                }
                if (diff > 0) {
                    lo = beta;
                    beta = hi == Double.POSITIVE_INFINITY ? beta * 2 : (beta + hi) / 2;
                } else {
                    hi = beta;
                    beta = (beta + lo) / 2;
                }
            }
            System.arraycopy(row, 0, p, i * n, n);
        });
        double[] joint = new double[n * n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                joint[i * n + j] = Math.max((p[i * n + j] + p[j * n + i]) / (2.0 * n), 1e-12);
            }
        }
        return joint;
    }
}
