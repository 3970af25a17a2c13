package io.simforge.infer;

import io.simforge.core.device.DeviceSpec;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The ONNX Runtime scoring graph gives the Java kernel's results, ties and index changes included. */
class OnnxIndexScorerTest {

    private static void assertSameResults(List<List<ExactIndex.Hit>> expected, List<List<ExactIndex.Hit>> got) {
        assertEquals(expected.size(), got.size());
        for (int q = 0; q < expected.size(); q++) {
            assertEquals(expected.get(q).stream().map(ExactIndex.Hit::id).toList(),
                    got.get(q).stream().map(ExactIndex.Hit::id).toList(), "query " + q);
            for (int j = 0; j < expected.get(q).size(); j++) {
                assertEquals(expected.get(q).get(j).score(), got.get(q).get(j).score(), 1e-5);
            }
        }
    }

    @Test
    void matchesTheJavaSearchThroughChangesAndTies() {
        Random r = new Random(21);
        int dim = 12;
        // Small integer coordinates: exact scores in float, and many ties, which both paths break by row.
        ExactIndex index = new ExactIndex(dim, ExactIndex.Metric.DOT);
        for (int i = 0; i < 300; i++) {
            float[] v = new float[dim];
            for (int d = 0; d < dim; d++) {
                v[d] = r.nextInt(3) - 1;
            }
            index.add("v" + i, v);
        }
        float[] q = new float[70 * dim]; // more than one query block
        for (int i = 0; i < q.length; i++) {
            q[i] = r.nextInt(3) - 1;
        }
        try (OnnxIndexScorer scorer = new OnnxIndexScorer(DeviceSpec.cpu(), 2)) {
            assertSameResults(index.search(q, 15), scorer.search(index, q, 15));
            index.remove("v3");
            index.remove("v299");
            index.add("late", new float[dim]);
            assertSameResults(index.search(q, 15), scorer.search(index, q, 15)); // the copy was refreshed
            assertEquals(List.of(List.of()), scorer.search(new ExactIndex(dim, ExactIndex.Metric.DOT), new float[dim], 3));
        }
    }

    @Test
    void cosineHalfPrecisionAndACudaRequestOnAMachineWithoutOne() {
        Random r = new Random(4);
        int dim = 32;
        ExactIndex index = new ExactIndex(dim, ExactIndex.Metric.COSINE, ExactIndex.Storage.FLOAT16);
        for (int i = 0; i < 500; i++) {
            float[] v = new float[dim];
            for (int d = 0; d < dim; d++) {
                v[d] = (float) r.nextGaussian();
            }
            index.add("i" + i, v);
        }
        float[] q = new float[5 * dim];
        for (int i = 0; i < q.length; i++) {
            q[i] = (float) r.nextGaussian();
        }
        // This machine has no usable CUDA provider: the scorer says so in the log and runs on the CPU.
        try (OnnxIndexScorer scorer = new OnnxIndexScorer(DeviceSpec.cuda(0), 0)) {
            assertEquals(DeviceSpec.cpu(), scorer.device());
            assertSameResults(index.search(q, 10), scorer.search(index, q, 10));
        }
    }
}
