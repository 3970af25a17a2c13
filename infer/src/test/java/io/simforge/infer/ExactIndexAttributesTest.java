package io.simforge.infer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.simforge.core.error.InvalidInputException;
import io.simforge.core.error.UnreadableFileException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ExactIndexAttributesTest {
    @TempDir
    Path tmp;

    @Test
    void aFilteredSearchReturnsTheTopKAmongMatchingItemsByDoublePrecision() {
        Random r = new Random(1);
        int dim = 9;
        int n = 400;
        float[] g = new float[n * dim];
        for (int i = 0; i < g.length; i++) {
            g[i] = (float) r.nextGaussian();
        }
        String[] colours = {"red", "green", "blue", "black"};
        ExactIndex index = new ExactIndex(dim, VectorIndex.Metric.DOT);
        List<Map<String, String>> attributes = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Map<String, String> a = i % 5 == 0 ? Map.of() : Map.of("colour", colours[i % 4], "size", i % 3 == 0 ? "s" : "l");
            attributes.add(a);
            index.add("item-" + i, Arrays.copyOfRange(g, i * dim, (i + 1) * dim), a);
        }
        float[] q = new float[3 * dim];
        for (int i = 0; i < q.length; i++) {
            q[i] = (float) r.nextGaussian();
        }
        for (String text : new String[] {"colour=red", "colour=red|blue,size=s", "size=m", ""}) {
            AttributeFilter filter = AttributeFilter.parse(text);
            List<List<VectorIndex.Hit>> hits = index.search(q, 6, filter);
            for (int qi = 0; qi < 3; qi++) {
                List<Integer> rows = new ArrayList<>();
                double[] s = new double[n];
                for (int i = 0; i < n; i++) {
                    for (int d = 0; d < dim; d++) {
                        s[i] += (double) q[qi * dim + d] * g[i * dim + d];
                    }
                    boolean match = switch (text) {
                        case "colour=red" -> "red".equals(attributes.get(i).get("colour"));
                        case "colour=red|blue,size=s" -> ("red".equals(attributes.get(i).get("colour"))
                                || "blue".equals(attributes.get(i).get("colour")))
                                && "s".equals(attributes.get(i).get("size"));
                        case "size=m" -> false;
                        default -> true;
                    };
                    if (match) {
                        rows.add(i);
                    }
                }
                rows.sort((a, b) -> Double.compare(s[b], s[a]));
                List<String> expected = rows.stream().limit(6).map(i -> "item-" + i).toList();
                assertEquals(expected, hits.get(qi).stream().map(VectorIndex.Hit::id).toList(), text);
                for (VectorIndex.Hit h : hits.get(qi)) {
                    assertEquals(s[Integer.parseInt(h.id().substring(5))], h.score(), 1e-4, text);
                }
            }
        }
    }

    @Test
    void attributesAreSavedBesideTheIndexAndGoWithTheirItems() throws Exception {
        Path file = tmp.resolve("g.sfindex");
        ExactIndex index = new ExactIndex(2, VectorIndex.Metric.COSINE);
        index.add("a", new float[] {1, 0}, Map.of("shop", "berlin", "category", "shoes"));
        index.add("b", new float[] {0, 1});
        index.add("c", new float[] {1, 1}, Map.of("shop", "paris"));
        index.save(file);
        assertTrue(Files.exists(ExactIndex.attributesFile(file)));
        ExactIndex loaded = ExactIndex.load(file);
        assertEquals(Map.of("shop", "berlin", "category", "shoes"), loaded.attributes("a"));
        assertEquals(Map.of(), loaded.attributes("b"));
        assertNull(loaded.attributes("z"));
        assertEquals(List.of("c"), loaded.search(new float[] {1, 0}, 5, AttributeFilter.parse("shop=paris")).get(0)
                .stream().map(VectorIndex.Hit::id).toList());

        loaded.remove("a");
        loaded.remove("c");
        assertNull(loaded.attributes("a"));
        loaded.save(file);
        assertFalse(Files.exists(ExactIndex.attributesFile(file)), "an index without attributes has no companion");

        assertThrows(InvalidInputException.class, () -> loaded.add("d", new float[] {1, 0},
                java.util.Collections.singletonMap("", "x")));
        assertEquals(1, loaded.size(), "a refused item is not added");
    }

    @Test
    void theGoldenVersion1AttributesFileLoads() throws Exception {
        Path dir = Path.of("src/test/resources/golden");
        ExactIndex index = ExactIndex.load(dir.resolve("index-attributes-v1.sfindex"));
        assertEquals(3, index.size());
        assertEquals(Map.of("shop", "berlin", "category", "shoes"), index.attributes("a"));
        assertEquals(Map.of(), index.attributes("b"));
        assertEquals(Map.of("shop", "paris"), index.attributes("c"));
    }

    @Test
    void anAttributesFileOfAnotherIndexIsRefusedAsDamaged() throws Exception {
        Path file = tmp.resolve("g.sfindex");
        ExactIndex index = new ExactIndex(2, VectorIndex.Metric.COSINE);
        index.add("a", new float[] {1, 0}, Map.of("shop", "berlin"));
        index.save(file);
        ExactIndex other = new ExactIndex(2, VectorIndex.Metric.COSINE);
        other.add("b", new float[] {1, 0});
        Path saved = Files.copy(ExactIndex.attributesFile(file), tmp.resolve("keep"));
        other.save(file);
        Files.copy(saved, ExactIndex.attributesFile(file));
        UnreadableFileException e = assertThrows(UnreadableFileException.class, () -> ExactIndex.load(file));
        assertTrue(e.getMessage().contains("g.sfindex.attributes") && e.getMessage().contains("'a'"), e.getMessage());
    }
}
