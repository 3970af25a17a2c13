package io.simforge.core.metrics;

import static io.simforge.core.metrics.UnitVectors.angles;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class MapAtRTest {



    @Test
    void aHandWorkedExample() {
        // Items at 0, 10, 20 degrees (class A) and 15, 90 degrees (class B).
        float[] x = angles(0, 10, 20, 15, 90);
        int[] y = {0, 0, 0, 1, 1};
        // Query 0 (A, R=2): neighbours by angle 10, 15, 20 -> rel 1,0 -> P(1)=1 -> AP = 1/2; R-prec 1/2.
        // Query 1 (A, R=2): 20 (5 away from 15? no: |10-20|=10, |10-15|=5) -> 15 (B), then 0/20 tie at 10 -> index 0 (A)
        //   -> rel 0,1 -> AP = (1/2)/2 = 1/4; R-prec 1/2.
        // Query 2 (A, R=2): 15 (B), 10 (A) -> rel 0,1 -> AP = 1/4; R-prec 1/2.
        // Query 3 (B, R=1): nearest is 10 or 20 (both 5 away) -> index 1 (A) -> AP 0, R-prec 0.
        // Query 4 (B, R=1): nearest is 20 (A) -> 0.
        RetrievalMetrics.Scores s = RetrievalMetrics.evaluate(x, 2, y, 1);
        assertEquals(5, s.rankedQueries());
        assertEquals((0.5 + 0.25 + 0.25 + 0 + 0) / 5, s.mapAtR(), 1e-6);
        assertEquals((0.5 + 0.5 + 0.5 + 0 + 0) / 5, s.rPrecision(), 1e-6);
    }

    @Test
    void degenerateLabelings() {
        float[] x = angles(0, 30, 60, 90);
        RetrievalMetrics.Scores one = RetrievalMetrics.evaluate(x, 2, new int[] {7, 7, 7, 7}, 1);
        assertEquals(1.0, one.mapAtR(), 0.0, "one class: every neighbour is relevant");
        assertEquals(1.0, one.rPrecision(), 0.0);
        RetrievalMetrics.Scores own = RetrievalMetrics.evaluate(x, 2, new int[] {0, 1, 2, 3}, 1);
        assertEquals(0, own.rankedQueries(), "every item its own class: no query has a relevant item");
        assertTrue(Double.isNaN(own.mapAtR()));
        // A singleton class is left out; the rest still count.
        RetrievalMetrics.Scores mixed = RetrievalMetrics.evaluate(x, 2, new int[] {0, 0, 1, 2}, 1);
        assertEquals(2, mixed.rankedQueries());
        assertEquals(1.0, mixed.mapAtR(), 1e-9);
    }
}
