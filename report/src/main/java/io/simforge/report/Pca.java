package io.simforge.report;

/** Principal components by power iteration with deflation: enough for a few leading components. */
final class Pca {
    private Pca() {}

    /**
     * The centred data projected on its first {@code components} principal axes.
     *
     * @return row-major {@code n × components}
     */
    static double[] project(float[] x, int dim, int components) {
        int n = x.length / dim;
        double[] mean = new double[dim];
        for (int i = 0; i < n; i++) {
            for (int d = 0; d < dim; d++) {
                mean[d] += x[i * dim + d];
            }
        }
        for (int d = 0; d < dim; d++) {
            mean[d] /= n;
        }
        double[] cov = new double[dim * dim];
        double[] row = new double[dim];
        for (int i = 0; i < n; i++) {
            for (int d = 0; d < dim; d++) {
                row[d] = x[i * dim + d] - mean[d];
            }
            for (int a = 0; a < dim; a++) {
                double ra = row[a];
                for (int b = a; b < dim; b++) {
                    cov[a * dim + b] += ra * row[b];
                }
            }
        }
        for (int a = 0; a < dim; a++) {
            for (int b = 0; b < a; b++) {
                cov[a * dim + b] = cov[b * dim + a];
            }
        }
        double[][] axes = new double[components][];
        for (int c = 0; c < components; c++) {
            double[] v = new double[dim];
            for (int d = 0; d < dim; d++) {
                v[d] = 1 + (d * 0.618034 % 1); // fixed, generic start vector
            }
            for (int step = 0; step < 300; step++) {
                double[] w = new double[dim];
                for (int a = 0; a < dim; a++) {
                    double s = 0;
                    for (int b = 0; b < dim; b++) {
                        s += cov[a * dim + b] * v[b];
                    }
                    w[a] = s;
                }
                for (int prev = 0; prev < c; prev++) { // stay orthogonal to the axes found so far
                    double dot = 0;
                    for (int d = 0; d < dim; d++) {
                        dot += w[d] * axes[prev][d];
                    }
                    for (int d = 0; d < dim; d++) {
                        w[d] -= dot * axes[prev][d];
                    }
                }
                double norm = 0;
                for (double t : w) {
                    norm += t * t;
                }
                norm = Math.sqrt(norm);
                if (norm == 0) {
                    break;
                }
                for (int d = 0; d < dim; d++) {
                    w[d] /= norm;
                }
                v = w;
            }
            axes[c] = v;
        }
        double[] out = new double[n * components];
        for (int i = 0; i < n; i++) {
            for (int c = 0; c < components; c++) {
                double s = 0;
                for (int d = 0; d < dim; d++) {
                    s += (x[i * dim + d] - mean[d]) * axes[c][d];
                }
                out[i * components + c] = s;
            }
        }
        return out;
    }
}
