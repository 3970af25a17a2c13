package io.simforge.train.sampling;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PkSamplerTest {

    private static int[] labels(int... sizes) {
        int n = 0;
        for (int s : sizes) {
            n += s;
        }
        int[] y = new int[n];
        int i = 0;
        for (int c = 0; c < sizes.length; c++) {
            for (int k = 0; k < sizes[c]; k++) {
                y[i++] = 10 + c;
            }
        }
        // Interleave so classes are not contiguous in the dataset.
        int[] shuffled = new int[n];
        for (int j = 0; j < n; j++) {
            shuffled[j] = y[(j * 7) % n];
        }
        return gcd(7, n) == 1 ? shuffled : y;
    }

    private static int gcd(int a, int b) {
        return b == 0 ? a : gcd(b, a % b);
    }

    @Test
    void everyBatchHasPDistinctClassesOfKConsecutiveItems() {
        int[] y = labels(30, 25, 40, 33, 21, 50, 29);
        PkSampler s = PkSampler.builder().setLabels(y).setBatch(20, 4).optSeed(3).build();
        assertEquals(5, s.classesPerBatch());
        Map<Integer, Integer> classCount = new HashMap<>();
        for (int b = 0; b < 200; b++) {
            int[] batch = s.next();
            assertEquals(20, batch.length);
            Set<Integer> classes = new HashSet<>();
            for (int p = 0; p < 5; p++) {
                int c = y[batch[p * 4]];
                assertTrue(classes.add(c), "class " + c + " appears in two groups of one batch");
                Set<Integer> items = new HashSet<>();
                for (int k = 0; k < 4; k++) {
                    assertEquals(c, y[batch[p * 4 + k]], "group " + p + " mixes classes");
                    assertTrue(items.add(batch[p * 4 + k]), "an item repeats within its class group");
                }
                classCount.merge(c, 1, Integer::sum);
            }
        }
        // Classes are visited in rounds: counts differ by at most one round boundary.
        int min = classCount.values().stream().mapToInt(Integer::intValue).min().orElseThrow();
        int max = classCount.values().stream().mapToInt(Integer::intValue).max().orElseThrow();
        assertEquals(7, classCount.size());
        assertTrue(max - min <= 1, "class visits should be balanced: " + classCount);
    }

    @Test
    void smallClassesAreFilledWithReplacement() {
        int[] y = labels(2, 10, 10);
        PkSampler s = PkSampler.builder().setLabels(y).setBatch(15, 5).build();
        for (int b = 0; b < 20; b++) {
            int[] batch = s.next();
            for (int p = 0; p < 3; p++) {
                int c = y[batch[p * 5]];
                for (int k = 0; k < 5; k++) {
                    assertEquals(c, y[batch[p * 5 + k]]);
                }
            }
        }
    }

    @Test
    void sameSeedSameBatches() {
        int[] y = labels(9, 9, 9, 9);
        PkSampler a = PkSampler.builder().setLabels(y).setBatch(6, 3).optSeed(5).build();
        PkSampler b = PkSampler.builder().setLabels(y).setBatch(6, 3).optSeed(5).build();
        for (int i = 0; i < 10; i++) {
            org.junit.jupiter.api.Assertions.assertArrayEquals(a.next(), b.next());
        }
    }

    @Test
    void badSettingsAreRefusedWithTheFix() {
        int[] y = labels(5, 5, 5);
        var notPk = assertThrows(IllegalArgumentException.class, () -> PkSampler.builder().setLabels(y).setBatch(10, 4));
        assertTrue(notPk.getMessage().contains("not P×K"), notPk.getMessage());
        var tooMany = assertThrows(IllegalArgumentException.class,
                () -> PkSampler.builder().setLabels(y).setBatch(16, 4).build());
        assertTrue(tooMany.getMessage().contains("only 3 classes"), tooMany.getMessage());
        assertThrows(IllegalArgumentException.class, () -> PkSampler.builder().setLabels(new int[0]).setBatch(4, 2).build());
    }

    /** Issue #15: with one class the advice was to lower P to 1, which is then refused. */
    @Test
    void aSingleClassGetsAdviceThatCanBeFollowed() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> PkSampler.builder().setLabels(labels(20)).setBatch(8, 4).build());
        assertTrue(e.getMessage().contains("only one class") && e.getMessage().contains("add images of another class")
                && !e.getMessage().contains("at most 1"), e.getMessage());
    }

    /** Issue #15: K above the classes' sizes sampled with replacement without a word; now counted and warned once. */
    @Test
    void classesSmallerThanKAreCounted() {
        assertEquals(2, PkSampler.builder().setLabels(labels(3, 10, 4)).setBatch(10, 5).build().classesSmallerThanK());
        assertEquals(0, PkSampler.builder().setLabels(labels(5, 5)).setBatch(10, 5).build().classesSmallerThanK());
    }
}
