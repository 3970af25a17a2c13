package io.simforge.infer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.simforge.core.linalg.Int8Rows;
import io.simforge.core.linalg.PackedRows;
import io.simforge.core.search.QuantizedSearch;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Int8 storage answers exactly as float32 storage does, on data where the codes alone cannot (duplicates, near ties),
 * with either scorer of the codes; ONNX Runtime's bound holds for every row it leaves out, checked in float64.
 */
class ProvenInt8SearchTest {

    @Test
    void theRuntimesBoundHoldsForEveryRowLeftOut() throws Exception {
        Random r = new Random(13);
        int n = 5_000; // two chunks of ONNX Runtime's, the second partial
        int dim = 40;
        float[] g = new float[n * dim];
        for (int i = 0; i < g.length; i++) {
            g[i] = (float) (r.nextGaussian() * (1 + i % dim) + (i % dim == 7 ? -30 : 0));
        }
        int numQueries = 25;
        float[] q = new float[numQueries * dim];
        for (int i = 0; i < q.length; i++) {
            q[i] = i < dim ? 0 : (float) r.nextGaussian() * (i % 3 == 0 ? 1e-3f : 1); // the first query all zeros
        }
        for (int i = 1; i < numQueries; i += 3) {
            // One dominant value: the query's 8-bit scale is then coarse for the others, so its quantisation error is
            // most of the bound (the decoding error alone would not cover it).
            q[i * dim + i % dim] = 300 * (i % 2 == 0 ? 1 : -1);
        }
        Int8Rows codes = Int8Rows.encode(PackedRows.pack(g, n, dim));
        try (OnnxInt8Scorer scorer = OnnxInt8Scorer.open(2)) {
            for (int perQuery : new int[] {1, 16, 400}) {
                QuantizedSearch.Candidates picked = scorer.pick(q, codes, perQuery);
                for (int i = 0; i < numQueries; i++) {
                    boolean[] kept = new boolean[n];
                    for (int j = 0; j < picked.rows()[i].length; j++) {
                        int row = picked.rows()[i][j];
                        kept[row] = true;
                        double s = dot(q, i, g, row, dim);
                        assertTrue(s <= picked.upper()[i][j], "query " + i + ", candidate " + row + ": " + s
                                + " above its bound " + picked.upper()[i][j]);
                    }
                    double bestLeftOut = Double.NEGATIVE_INFINITY;
                    for (int row = 0; row < n; row++) {
                        if (!kept[row]) {
                            bestLeftOut = Math.max(bestLeftOut, dot(q, i, g, row, dim));
                        }
                    }
                    double[] bound = picked.excludedBound();
                    assertTrue(bestLeftOut <= bound[i], "query " + i + ", " + perQuery + " candidates: a row left out "
                            + "scores " + bestLeftOut + " above the bound " + bound[i]);
                }
            }
        }
    }

    @Test
    void int8AnswersAsFloat32OnDuplicatesAndNearTiesWithEitherScorer() {
        Random r = new Random(17);
        int dim = 24;
        int n = 4_500;
        float[] centres = new float[8 * dim];
        for (int i = 0; i < centres.length; i++) {
            centres[i] = (float) r.nextGaussian();
        }
        float[] g = new float[n * dim];
        for (int i = 0; i < n; i++) {
            boolean duplicate = i > 0 && r.nextInt(3) == 0;
            int c = r.nextInt(8);
            for (int d = 0; d < dim; d++) {
                g[i * dim + d] = duplicate ? g[(i - 1) * dim + d] : centres[c * dim + d] + 1e-4f * (float) r.nextGaussian();
            }
        }
        int numQueries = 60; // above INT8_ONNX_MIN_QUERIES, so AUTO takes ONNX Runtime for the first round
        float[] q = new float[numQueries * dim];
        for (int i = 0; i < numQueries; i++) {
            System.arraycopy(g, r.nextInt(n) * dim, q, i * dim, dim);
        }
        for (ExactIndex.Metric metric : ExactIndex.Metric.values()) {
            List<List<ExactIndex.Hit>> want = index(metric, ExactIndex.Storage.FLOAT32, g, n, dim).search(q, 10);
            try (ExactIndex int8 = index(metric, ExactIndex.Storage.INT8, g, n, dim)) {
                for (ExactIndex.Int8Scoring scoring : ExactIndex.Int8Scoring.values()) {
                    int8.setInt8Scoring(scoring);
                    assertEquals(want, int8.search(q, 10), metric + ", " + scoring);
                    assertEquals(want.subList(0, 1), int8.search(Arrays.copyOf(q, dim), 10), metric + ", " + scoring);
                }
            }
        }
    }

    private static double dot(float[] q, int qi, float[] g, int gi, int dim) {
        double s = 0;
        for (int d = 0; d < dim; d++) {
            s += (double) q[qi * dim + d] * g[gi * dim + d];
        }
        return s;
    }

    private static ExactIndex index(ExactIndex.Metric metric, ExactIndex.Storage storage, float[] g, int n, int dim) {
        ExactIndex index = new ExactIndex(dim, metric, storage);
        for (int i = 0; i < n; i++) {
            index.add("item" + i, Arrays.copyOfRange(g, i * dim, (i + 1) * dim));
        }
        return index;
    }
}
