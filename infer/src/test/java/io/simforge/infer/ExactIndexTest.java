package io.simforge.infer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ExactIndexTest {
    @TempDir
    Path dir;

    private static float[] random(Random r, int n, int dim) {
        float[] x = new float[n * dim];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) r.nextGaussian();
        }
        return x;
    }

    /** Brute force: score every live item in double precision, sort by score then by insertion order. */
    private static List<String> bruteForce(List<String> ids, List<float[]> vectors, float[] q, int k, boolean cosine) {
        List<Integer> order = new ArrayList<>();
        double[] scores = new double[ids.size()];
        for (int i = 0; i < ids.size(); i++) {
            double dot = 0;
            double nq = 0;
            double nv = 0;
            for (int d = 0; d < q.length; d++) {
                dot += (double) q[d] * vectors.get(i)[d];
                nq += (double) q[d] * q[d];
                nv += (double) vectors.get(i)[d] * vectors.get(i)[d];
            }
            scores[i] = cosine ? dot / Math.sqrt(nq * nv) : dot;
            order.add(i);
        }
        order.sort(Comparator.comparingDouble((Integer i) -> -scores[i]));
        List<String> out = new ArrayList<>();
        for (int i = 0; i < Math.min(k, order.size()); i++) {
            out.add(ids.get(order.get(i)));
        }
        return out;
    }

    @Test
    void exactResultsEqualABruteForceReferenceThroughAddsAndRemoves() {
        Random r = new Random(4);
        int dim = 16;
        for (ExactIndex.Metric metric : ExactIndex.Metric.values()) {
            ExactIndex index = new ExactIndex(dim, metric);
            List<String> ids = new ArrayList<>();
            List<float[]> vectors = new ArrayList<>();
            for (int i = 0; i < 500; i++) {
                float[] v = random(r, 1, dim);
                index.add("item-" + i, v);
                ids.add("item-" + i);
                vectors.add(v);
            }
            for (int i = 0; i < 500; i += 3) {
                assertTrue(index.remove("item-" + i));
                int at = ids.indexOf("item-" + i);
                ids.remove(at);
                vectors.remove(at);
            }
            assertFalse(index.remove("item-0"), "already removed");
            assertEquals(ids.size(), index.size());
            float[] queries = random(r, 40, dim);
            List<List<ExactIndex.Hit>> hits = index.search(queries, 10);
            for (int q = 0; q < 40; q++) {
                float[] query = Arrays.copyOfRange(queries, q * dim, (q + 1) * dim);
                List<String> expected = bruteForce(ids, vectors, query, 10, metric == ExactIndex.Metric.COSINE);
                List<String> actual = hits.get(q).stream().map(ExactIndex.Hit::id).toList();
                assertEquals(expected, actual, metric + " query " + q);
                for (int i = 1; i < hits.get(q).size(); i++) {
                    assertTrue(hits.get(q).get(i - 1).score() >= hits.get(q).get(i).score(), "best first");
                }
            }
        }
    }

    @Test
    void saveAndLoadRoundTrip() throws IOException {
        Random r = new Random(5);
        ExactIndex index = new ExactIndex(8, ExactIndex.Metric.DOT);
        for (int i = 0; i < 100; i++) {
            index.add("ü-" + i, random(r, 1, 8));
        }
        index.remove("ü-50");
        Path file = dir.resolve("gallery.sfindex");
        index.save(file);
        ExactIndex back = ExactIndex.load(file);
        assertEquals(99, back.size());
        assertEquals(ExactIndex.Metric.DOT, back.metric());
        float[] q = random(r, 5, 8);
        assertEquals(index.search(q, 7), back.search(q, 7));
        assertFalse(back.contains("ü-50"));
    }

    @Test
    void truncatedForeignNewerAndDamagedFilesAreRefusedClearly() throws IOException {
        ExactIndex index = new ExactIndex(4, ExactIndex.Metric.COSINE);
        index.add("a", new float[] {1, 2, 3, 4});
        index.add("b", new float[] {4, 3, 2, 1});
        Path file = dir.resolve("i.sfindex");
        index.save(file);
        byte[] good = Files.readAllBytes(file);

        Path cut = dir.resolve("cut.sfindex");
        Files.write(cut, Arrays.copyOf(good, good.length - 12));
        IOException e = assertThrows(IOException.class, () -> ExactIndex.load(cut));
        assertTrue(e.getMessage().contains("truncated"), e.getMessage());

        Path foreign = dir.resolve("model.onnx");
        Files.writeString(foreign, "definitely not an index");
        e = assertThrows(IOException.class, () -> ExactIndex.load(foreign));
        assertTrue(e.getMessage().contains("is not a simforge index"), e.getMessage());

        byte[] flipped = good.clone();
        flipped[40] ^= 0x10;
        Path damaged = dir.resolve("damaged.sfindex");
        Files.write(damaged, flipped);
        e = assertThrows(IOException.class, () -> ExactIndex.load(damaged));
        assertTrue(e.getMessage().contains("checksum") || e.getMessage().contains("damaged"), e.getMessage());

        byte[] newer = good.clone();
        newer[11] = 9; // version int follows the 8-byte magic
        Path future = dir.resolve("future.sfindex");
        Files.write(future, newer);
        e = assertThrows(IOException.class, () -> ExactIndex.load(future));
        assertTrue(e.getMessage().contains("Upgrade simforge"), e.getMessage());
    }

    /** An index written by format version 1 (a committed golden file) keeps loading. */
    @Test
    void version1GoldenIndexLoads() throws Exception {
        Path golden = Path.of(getClass().getResource("/golden/index-v1.sfindex").toURI());
        ExactIndex index = ExactIndex.load(golden);
        assertEquals(3, index.size());
        assertEquals(ExactIndex.Metric.COSINE, index.metric());
        List<ExactIndex.Hit> hits = index.search(new float[] {0, 1}, 3).get(0);
        assertEquals(List.of("north", "east", "south"), hits.stream().map(ExactIndex.Hit::id).toList());
        assertEquals(1.0f, hits.get(0).score(), 1e-6f);
    }

    @Test
    void badItemsAreRefused() {
        ExactIndex index = new ExactIndex(3, ExactIndex.Metric.COSINE);
        index.add("x", new float[] {1, 0, 0});
        assertThrows(IllegalArgumentException.class, () -> index.add("x", new float[] {0, 1, 0}));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> index.add("y", new float[] {1, 0}));
        assertTrue(e.getMessage().contains("3-d vectors"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> index.add("z", new float[] {Float.NaN, 0, 0}));
        assertEquals(List.of(List.of()), new ExactIndex(3, ExactIndex.Metric.DOT).search(new float[3], 5));
    }

    /**
     * Half-precision storage: half the memory; results equal a brute-force ranking over the same vectors
     * rounded to half precision (computed here in double); survives save and load and removals.
     */
    @Test
    void float16StorageSearchesExactlyOverTheRoundedVectors() throws IOException {
        java.util.Random r = new java.util.Random(12);
        int n = 700;
        int dim = 48;
        ExactIndex half = new ExactIndex(dim, ExactIndex.Metric.COSINE, ExactIndex.Storage.FLOAT16);
        ExactIndex full = new ExactIndex(dim, ExactIndex.Metric.COSINE);
        float[][] rounded = new float[n][];
        for (int i = 0; i < n; i++) {
            float[] v = new float[dim];
            double norm = 0;
            for (int d = 0; d < dim; d++) {
                v[d] = (float) r.nextGaussian();
                norm += (double) v[d] * v[d];
            }
            half.add("item" + i, v);
            full.add("item" + i, v);
            rounded[i] = new float[dim];
            for (int d = 0; d < dim; d++) {
                float unit = (float) (v[d] * (1 / Math.sqrt(norm)));
                rounded[i][d] = io.simforge.core.linalg.Half.toFloat(io.simforge.core.linalg.Half.fromFloat(unit));
            }
        }
        assertTrue(half.remove("item5"));
        assertTrue(full.remove("item5"));
        assertEquals(half.vectorBytes() * 2, full.vectorBytes());
        float[] q = new float[3 * dim];
        for (int i = 0; i < q.length; i++) {
            q[i] = (float) r.nextGaussian();
        }
        Path file = dir.resolve("half.sfindex");
        half.save(file);
        Path fullFile = dir.resolve("full.sfindex");
        full.save(fullFile);
        assertTrue(Files.size(file) < Files.size(fullFile) * 0.6, "half the bytes on disk too");
        ExactIndex loaded = ExactIndex.load(file);
        assertEquals(ExactIndex.Storage.FLOAT16, loaded.storage());
        for (ExactIndex index : List.of(half, loaded)) {
            List<List<ExactIndex.Hit>> hits = index.search(q, 10);
            List<List<ExactIndex.Hit>> fullHits = full.search(q, 10);
            for (int qi = 0; qi < 3; qi++) {
                double qn = 0;
                for (int d = 0; d < dim; d++) {
                    qn += (double) q[qi * dim + d] * q[qi * dim + d];
                }
                int qOff = qi * dim;
                double qNorm = Math.sqrt(qn);
                List<Integer> order = new java.util.ArrayList<>();
                for (int i = 0; i < n; i++) {
                    if (i != 5) {
                        order.add(i);
                    }
                }
                java.util.function.ToDoubleFunction<Integer> score = i -> {
                    double s = 0;
                    for (int d = 0; d < dim; d++) {
                        s += rounded[i][d] * (q[qOff + d] / qNorm);
                    }
                    return s;
                };
                order.sort(java.util.Comparator.comparingDouble(score).reversed());
                assertEquals(order.subList(0, 10).stream().map(i -> "item" + i).toList(),
                        hits.get(qi).stream().map(ExactIndex.Hit::id).toList());
                for (int j = 0; j < 10; j++) {
                    assertEquals(score.applyAsDouble(order.get(j)), hits.get(qi).get(j).score(), 1e-5);
                    assertEquals(fullHits.get(qi).get(j).score(), hits.get(qi).get(j).score(), 2e-3,
                            "half precision costs at most ~1e-3 in score");
                }
            }
        }
    }
}
