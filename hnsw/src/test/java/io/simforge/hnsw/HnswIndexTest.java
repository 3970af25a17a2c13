package io.simforge.hnsw;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.simforge.core.error.InvalidInputException;
import io.simforge.core.error.UnreadableFileException;
import io.simforge.infer.AttributeFilter;
import io.simforge.infer.ExactIndex;
import io.simforge.infer.VectorIndex;
import io.simforge.infer.VectorIndex.Hit;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HnswIndexTest {
    @TempDir
    Path tmp;

    @Test
    void aTinyIndexSearchedWithABeamAsWideAsItReturnsTheExactAnswer() {
        Random r = new Random(1);
        int dim = 12;
        int n = 60;
        for (VectorIndex.Metric metric : VectorIndex.Metric.values()) {
            for (HnswIndex.Scorer scorer : HnswIndex.Scorer.values()) {
                float[] g = new float[n * dim];
                for (int i = 0; i < g.length; i++) {
                    g[i] = (float) r.nextGaussian();
                }
                float[] q = new float[5 * dim];
                for (int i = 0; i < q.length; i++) {
                    q[i] = (float) r.nextGaussian();
                }
                boolean cosine = metric == VectorIndex.Metric.COSINE;
                try (HnswIndex index = HnswIndex.builder().setFolder(tmp.resolve(metric + "-" + scorer))
                        .setDimension(dim).optMetric(metric).optScorer(scorer).optM(4).optBeamWidth(8).build()) {
                    index.addAll(Vectors.ids(n), g, null);
                    index.refresh();
                    List<List<Hit>> hits = index.search(q, 7, AttributeFilter.ALL, n);
                    List<List<String>> truth = Vectors.bruteForce(g, q, dim, 7, cosine, null);
                    for (int i = 0; i < 5; i++) {
                        assertEquals(truth.get(i), hits.get(i).stream().map(Hit::id).toList(), metric + " " + scorer);
                        for (Hit h : hits.get(i)) {
                            int row = Integer.parseInt(h.id().substring(5));
                            assertEquals(Vectors.score(g, row, q, i, dim, cosine), h.score(), 2e-5, h.id());
                        }
                    }
                }
            }
        }
    }

    @Test
    void recallAtDefaultsIsAtLeast095OnClusteredData() {
        Random r = new Random(2);
        int dim = 32;
        int n = 4000;
        float[] g = Vectors.clustered(r, n, dim, 40, 0.6);
        float[] q = Vectors.clustered(new Random(3), 200, dim, 40, 0.6);
        try (HnswIndex index = HnswIndex.builder().setFolder(tmp.resolve("recall")).setDimension(dim).build()) {
            index.addAll(Vectors.ids(n), g, null);
            index.commit();
            List<List<Hit>> hits = index.search(q, 10);
            List<List<String>> truth = Vectors.bruteForce(g, q, dim, 10, true, null);
            double recall = 0;
            for (int i = 0; i < truth.size(); i++) {
                Set<String> t = new HashSet<>(truth.get(i));
                recall += hits.get(i).stream().filter(h -> t.contains(h.id())).count() / 10.0;
            }
            recall /= truth.size();
            assertTrue(recall >= 0.95, "recall@10 " + recall);
        }
    }

    @Test
    void filteredSearchAgreesWithTheExactIndexUnderTheSameFilter() {
        Random r = new Random(4);
        int dim = 16;
        int n = 3000;
        float[] g = Vectors.clustered(r, n, dim, 20, 0.7);
        float[] q = Vectors.clustered(new Random(5), 50, dim, 20, 0.7);
        String[] shops = {"berlin", "paris", "rome"};
        List<Map<String, String>> attributes = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            attributes.add(i % 97 == 0 ? Map.of("shop", "tiny") // 31 items: Lucene scores them exactly
                    : Map.of("shop", shops[i % 3], "category", i % 2 == 0 ? "shoes" : "bags"));
        }
        ExactIndex exact = new ExactIndex(dim, VectorIndex.Metric.COSINE);
        try (HnswIndex index = HnswIndex.builder().setFolder(tmp.resolve("filtered")).setDimension(dim).build()) {
            index.addAll(Vectors.ids(n), g, attributes);
            for (int i = 0; i < n; i++) {
                exact.add("item-" + i, java.util.Arrays.copyOfRange(g, i * dim, (i + 1) * dim), attributes.get(i));
            }
            index.commit();
            for (String text : new String[] {"shop=tiny", "shop=paris,category=shoes", "shop=berlin|rome",
                    "shop=nowhere"}) {
                AttributeFilter filter = AttributeFilter.parse(text);
                boolean[] allowed = new boolean[n];
                for (int i = 0; i < n; i++) {
                    allowed[i] = filter.matches(attributes.get(i));
                }
                List<List<String>> truth = Vectors.bruteForce(g, q, dim, 10, true, allowed);
                List<List<Hit>> fromExact = exact.search(q, 10, filter);
                List<List<Hit>> fromHnsw = index.search(q, 10, filter);
                double recall = IndexRecall.recall(fromHnsw, fromExact);
                for (int i = 0; i < q.length / dim; i++) {
                    assertEquals(truth.get(i), fromExact.get(i).stream().map(Hit::id).toList(), text);
                    for (Hit h : fromHnsw.get(i)) {
                        assertTrue(allowed[Integer.parseInt(h.id().substring(5))], text + ": " + h.id());
                    }
                    if (text.equals("shop=tiny")) { // few matches: Lucene scores them all, exactly
                        assertEquals(truth.get(i), fromHnsw.get(i).stream().map(Hit::id).toList(), text);
                    }
                }
                assertTrue(recall >= 0.95, text + ": recall@10 " + recall);
            }
            assertEquals(IndexRecall.recall(index.search(q, 10, AttributeFilter.parse("shop=paris")),
                    index.toExactIndex().search(q, 10, AttributeFilter.parse("shop=paris"))),
                    IndexRecall.measure(index, index.toExactIndex(), q, 10, HnswIndex.DEFAULT_SEARCH_BEAM,
                            AttributeFilter.parse("shop=paris")).recall(), 1e-12);
        }
    }

    @Test
    void removedItemsNeverComeBack() {
        Random r = new Random(6);
        int dim = 16;
        int n = 1500;
        float[] g = Vectors.clustered(r, n, dim, 10, 0.5);
        Path folder = tmp.resolve("removes");
        Set<String> removed = new HashSet<>();
        try (HnswIndex index = HnswIndex.builder().setFolder(folder).setDimension(dim).build()) {
            index.addAll(Vectors.ids(n), g, null);
            index.commit();
            for (int i = 0; i < n; i += 3) {
                assertTrue(index.remove("item-" + i));
                removed.add("item-" + i);
            }
            assertFalse(index.remove("item-0"));
            assertFalse(index.remove("no-such-item"));
            index.refresh();
            assertEquals(n - removed.size(), index.size());
            assertEquals(n - removed.size(), index.visibleSize());
            assertNoneFound(index, g, dim, removed);
            index.commit();
        }
        try (HnswIndex index = HnswIndex.open(folder)) {
            assertEquals(n - removed.size(), index.size());
            assertNoneFound(index, g, dim, removed);
            index.forceMerge();
            assertEquals(1, index.segments());
            assertNoneFound(index, g, dim, removed);
            index.add("item-0", java.util.Arrays.copyOfRange(g, 0, dim)); // an id may come back when added again
            index.refresh();
            assertEquals("item-0", index.search(java.util.Arrays.copyOfRange(g, 0, dim), 1).get(0).get(0).id());
        }
    }

    private static void assertNoneFound(HnswIndex index, float[] g, int dim, Set<String> removed) {
        List<List<Hit>> hits = index.search(g, 10, AttributeFilter.ALL, 50);
        for (List<Hit> list : hits) {
            for (Hit h : list) {
                assertFalse(removed.contains(h.id()), h.id() + " was removed");
            }
        }
    }

    @Test
    void changesAreVisibleAfterRefreshAndDurableAfterCommitOnly() {
        Path folder = tmp.resolve("durable");
        float[] v = {1, 0, 0, 0};
        try (HnswIndex index = HnswIndex.builder().setFolder(folder).setDimension(4).build()) {
            index.add("a", v, Map.of("shop", "x"));
            assertEquals(1, index.size());
            assertEquals(0, index.visibleSize());
            index.refresh();
            assertEquals(1, index.visibleSize());
            index.commit();
            index.add("b", new float[] {0, 1, 0, 0});
        } // closed without a commit: b is dropped
        try (HnswIndex index = HnswIndex.open(folder)) {
            assertEquals(1, index.size());
            assertTrue(index.contains("a"));
            assertFalse(index.contains("b"));
            assertEquals(Map.of("shop", "x"), index.toExactIndex().attributes("a"));
            Path copy = tmp.resolve("copy");
            index.save(copy);
            try (HnswIndex reopened = HnswIndex.open(copy)) {
                assertEquals(List.of("a"), reopened.search(v, 5).get(0).stream().map(Hit::id).toList());
            }
        }
    }

    @Test
    void anIndexIsOpenedOnlyWithTheModelThatBuiltIt() throws Exception {
        Path folder = tmp.resolve("model");
        String sha = "ab".repeat(32);
        HnswIndex.builder().setFolder(folder).setDimension(3).optWeightsSha256(sha).build().close();
        try (HnswIndex index = HnswIndex.open(folder, sha.toUpperCase())) {
            assertEquals(sha, index.weightsSha256());
        }
        InvalidInputException e = assertThrows(InvalidInputException.class,
                () -> HnswIndex.open(folder, "cd".repeat(32)));
        assertTrue(e.getMessage().contains(sha) && e.getMessage().contains("cd".repeat(32))
                && e.getMessage().contains("model that built the index"), e.getMessage());

        UnreadableFileException missing = assertThrows(UnreadableFileException.class,
                () -> HnswIndex.open(tmp.resolve("nothing-here")));
        assertTrue(missing.getMessage().contains("simforge-index.json"), missing.getMessage());

        Path manifest = folder.resolve("simforge-index.json");
        Files.writeString(manifest, Files.readString(manifest).replace("\"version\": 1", "\"version\": 2"));
        UnreadableFileException newer = assertThrows(UnreadableFileException.class, () -> HnswIndex.open(folder));
        assertTrue(newer.getMessage().contains("upgrade simforge"), newer.getMessage());
    }

    @Test
    void badInputIsRefusedAndAddsNothing() {
        try (HnswIndex index = HnswIndex.builder().setFolder(tmp.resolve("bad")).setDimension(3).build()) {
            index.add("a", new float[] {1, 2, 3});
            assertThrows(InvalidInputException.class, () -> index.add("a", new float[] {1, 2, 3}));
            assertThrows(InvalidInputException.class, () -> index.add("b", new float[] {1, 2}));
            InvalidInputException nan = assertThrows(InvalidInputException.class,
                    () -> index.addAll(List.of("c", "d"), new float[] {1, 2, 3, 4, Float.NaN, 6}, null));
            assertTrue(nan.getMessage().contains("'d'") && nan.getMessage().contains("column 1"), nan.getMessage());
            assertThrows(InvalidInputException.class,
                    () -> index.add("e", new float[] {1, 2, 3}, java.util.Collections.singletonMap("shop", null)));
            assertThrows(InvalidInputException.class, () -> index.search(new float[] {1, 2, 3}, 0));
            assertThrows(InvalidInputException.class, () -> index.search(new float[] {1, 2}, 1));
            assertThrows(InvalidInputException.class, () -> index.search(new float[] {1, 2, 3}, 1, AttributeFilter.ALL, 0));
            index.refresh();
            assertEquals(1, index.size());
            assertEquals(1, index.visibleSize());
        }
        InvalidInputException settings = assertThrows(InvalidInputException.class,
                () -> HnswIndex.builder().setDimension(0).optM(1).build());
        assertTrue(settings.getMessage().contains("setFolder") && settings.getMessage().contains("M must")
                && settings.getMessage().contains("setDimension"), settings.getMessage());
        assertThrows(InvalidInputException.class,
                () -> HnswIndex.builder().setFolder(tmp.resolve("bad")).setDimension(3).build()); // not empty
    }

    @Test
    void int8QuantisedIndexKeepsHighRecall() {
        Random r = new Random(8);
        int dim = 32;
        int n = 3000;
        float[] g = Vectors.clustered(r, n, dim, 30, 0.6);
        float[] q = Vectors.clustered(new Random(9), 100, dim, 30, 0.6);
        try (HnswIndex index = HnswIndex.builder().setFolder(tmp.resolve("int8")).setDimension(dim)
                .optStorage(HnswIndex.Storage.INT8).build()) {
            index.addAll(Vectors.ids(n), g, null);
            index.forceMerge();
            ExactIndex exact = index.toExactIndex();
            assertEquals(n, exact.size());
            double recall = IndexRecall.recall(index.search(q, 10, AttributeFilter.ALL, 200), exact.search(q, 10));
            assertTrue(recall >= 0.9, "int8 recall@10 " + recall);
        }
    }
}
