package io.simforge.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** Every metric in one call, on points whose neighbours and clusters are plain to see. */
class EmbeddingMetricsTest {
    @Test
    void everythingInOneCall() {
        float[] x = angles(0, 5, 10, 90, 95, 100, 180, 185);
        int[] y = {0, 0, 0, 1, 1, 1, 2, 2};
        var m = EmbeddingMetrics.all(x, 2, y, new int[] {1, 2}, 3);
        assertEquals(java.util.List.of("recall@1", "recall@2", "p@1", "map@r", "r_precision", "nmi", "f1"), java.util.List.copyOf(m.keySet()));
        assertEquals(1.0, m.get("recall@1"), 0.0);
        assertEquals(1.0, m.get("map@r"), 1e-9);
        assertEquals(1.0, m.get("nmi"), 1e-9, "three tight groups: k-means finds them");
        assertEquals(1.0, m.get("f1"), 1e-9);
    }

    /** Unit vectors at the given angles (degrees) in 2-D, row-major. */
    static float[] angles(double... degrees) {
        float[] x = new float[degrees.length * 2];
        for (int i = 0; i < degrees.length; i++) {
            x[2 * i] = (float) Math.cos(Math.toRadians(degrees[i]));
            x[2 * i + 1] = (float) Math.sin(Math.toRadians(degrees[i]));
        }
        return x;
    }
}
