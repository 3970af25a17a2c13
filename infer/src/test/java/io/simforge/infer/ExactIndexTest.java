package io.simforge.infer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.simforge.core.error.InvalidInputException;
import io.simforge.core.error.UnreadableFileException;
import io.simforge.core.format.FormatException;
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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

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
        UnreadableFileException e = assertThrows(UnreadableFileException.class, () -> ExactIndex.load(cut));
        assertTrue(e.getMessage().contains("truncated"), e.getMessage());

        Path foreign = dir.resolve("model.onnx");
        Files.writeString(foreign, "definitely not an index");
        e = assertThrows(UnreadableFileException.class, () -> ExactIndex.load(foreign));
        assertTrue(e.getMessage().contains("is not a simforge index"), e.getMessage());

        byte[] flipped = good.clone();
        flipped[40] ^= 0x10;
        Path damaged = dir.resolve("damaged.sfindex");
        Files.write(damaged, flipped);
        e = assertThrows(UnreadableFileException.class, () -> ExactIndex.load(damaged));
        assertTrue(e.getMessage().contains("checksum") || e.getMessage().contains("damaged"), e.getMessage());

        byte[] newer = good.clone();
        newer[4 + 4 + "simforge-index".length() + 3] = 9; // the header: magic, name, then the version
        Path future = dir.resolve("future.sfindex");
        Files.write(future, newer);
        e = assertThrows(UnreadableFileException.class, () -> ExactIndex.load(future));
        assertEquals(future + " is a simforge index file of version 9, newer than this simforge reads (up to 6): "
                + "upgrade simforge", e.getMessage());
    }

    /**
     * Issue #15: every single flipped bit and every truncation of an index, current or of an older version, is a
     * {@link FormatException} naming the file (never an OutOfMemoryError or an index out of bounds).
     */
    @Test
    void everyFlippedBitAndEveryTruncationIsRefusedNamingTheFile() throws Exception {
        ExactIndex index = new ExactIndex(3, ExactIndex.Metric.DOT, ExactIndex.Storage.FLOAT16);
        index.add("α", new float[] {1, 2, 3});
        index.add("b", new float[] {-1, 0.5f, 0});
        Path current = dir.resolve("current.sfindex");
        index.save(current);
        Path bad = dir.resolve("bad.sfindex");
        ExactIndex int8 = new ExactIndex(1, ExactIndex.Metric.DOT, ExactIndex.Storage.INT8);
        int8.add("a", new float[] {2});
        int8.add("b", new float[] {-1});
        Path currentInt8 = dir.resolve("current-int8.sfindex");
        int8.save(currentInt8);
        for (Path source : List.of(current, currentInt8, golden("index-v1.sfindex"), golden("index-v2-float16.sfindex"),
                golden("index-v3-float32.sfindex"), golden("index-v5-float16.sfindex"))) {
            byte[] good = Files.readAllBytes(source);
            for (int bit = 0; bit < good.length * 8; bit++) {
                byte[] flipped = good.clone();
                flipped[bit / 8] ^= (byte) (1 << (bit % 8));
                Files.write(bad, flipped);
                UnreadableFileException e = assertThrows(UnreadableFileException.class, () -> ExactIndex.load(bad), source + " bit " + bit);
                assertTrue(e.getMessage().startsWith(bad.toString()), e.getMessage());
            }
            for (int length = 0; length < good.length; length++) {
                Files.write(bad, Arrays.copyOf(good, length));
                UnreadableFileException e = assertThrows(UnreadableFileException.class, () -> ExactIndex.load(bad), source + " " + length);
                assertTrue(e.getMessage().startsWith(bad.toString()), e.getMessage());
            }
        }
    }

    /** A count or dimension the file cannot hold is refused before the index reserves memory for it. */
    @Test
    void headerCountsAreCheckedAgainstTheFileSizeBeforeReserving() throws Exception {
        ExactIndex index = new ExactIndex(2, ExactIndex.Metric.COSINE);
        index.add("a", new float[] {1, 0});
        Path file = dir.resolve("i.sfindex");
        index.save(file);
        int dimAt = 4 + 4 + "simforge-index".length() + 4;
        int countAt = dimAt + 4 + 1 + 1;
        for (int[] lie : new int[][] {{countAt, Integer.MAX_VALUE}, {countAt, 1 << 24}, {dimAt, 1 << 28}}) {
            byte[] lying = Files.readAllBytes(file);
            java.nio.ByteBuffer.wrap(lying).putInt(lie[0], lie[1]);
            Path damaged = Files.write(dir.resolve("lying.sfindex"), lying);
            UnreadableFileException e = assertThrows(UnreadableFileException.class, () -> ExactIndex.load(damaged));
            assertTrue(e.getMessage().startsWith(damaged + " is damaged: the item count is "), e.getMessage());
        }
        byte[] v1 = Files.readAllBytes(golden("index-v1.sfindex"));
        java.nio.ByteBuffer.wrap(v1).putLong(8 + 4 + 4 + 1, 1L << 40); // version 1: a long count after the metric
        Path old = Files.write(dir.resolve("old.sfindex"), v1);
        assertEquals(FormatException.Problem.DAMAGED, assertThrows(UnreadableFileException.class, () -> ExactIndex.load(old)).problem());
    }

    /**
     * Version 6, worked by hand for one 1-d item "a" = 1.5: after the header (26 bytes) the dimension, metric,
     * storage and count (10 bytes), the ids' byte count (8) and the id (int length 1, "a"), then one block of 128
     * little-endian floats (1.5 = 00 00 C0 3F, then zero padding), then the footer (12): 573 bytes.
     */
    @Test
    void version6StoresTheIdsByteCountAndLittleEndianVectors() throws Exception {
        ExactIndex index = new ExactIndex(1, ExactIndex.Metric.DOT);
        index.add("a", new float[] {1.5f});
        Path file = dir.resolve("one.sfindex");
        index.save(file);
        byte[] bytes = Files.readAllBytes(file);
        assertEquals(573, bytes.length);
        java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(bytes);
        assertEquals(6, b.getInt(22), "version");
        assertEquals(5L, b.getLong(36), "the ids' bytes: an int length and one byte");
        assertEquals(1, b.getInt(44));
        assertEquals('a', bytes[48]);
        assertArrayEquals(new byte[] {0, 0, (byte) 0xC0, 0x3F, 0, 0, 0, 0}, Arrays.copyOfRange(bytes, 49, 57));
        assertEquals(0, b.getInt(49 + 4 * 127), "padding");
        assertArrayEquals(new float[] {1.5f}, ExactIndex.load(file).vector("a"));
    }

    /**
     * A version 6 id section that does not hold what the header says is refused with what is wrong, even when its
     * checksum was made to match (so the parsing, not the footer, finds it).
     */
    @Test
    void version6IdSectionsThatLieAreRefusedEvenWithAMatchingChecksum() throws Exception {
        ExactIndex index = new ExactIndex(2, ExactIndex.Metric.DOT, ExactIndex.Storage.FLOAT16);
        index.add("ab", new float[] {1, 2});
        index.add("cd", new float[] {3, 4});
        Path file = dir.resolve("ids.sfindex");
        index.save(file);
        byte[] good = Files.readAllBytes(file);
        int idBytesAt = 36; // a long: 2 × (4 + 2) = 12
        assertEquals(12L, java.nio.ByteBuffer.wrap(good).getLong(idBytesAt));
        Object[][] lies = {
            {idBytesAt, 1L << 40, "its ids are said to take 1099511627776 bytes, which is not between the 8"},
            {idBytesAt, 7L, "its ids are said to take 7 bytes, which is not between the 8"},
            {idBytesAt + 8, 9, "its id section ends inside id 0 of 2"},
            {idBytesAt + 8, 3, "its id section ends inside id 1 of 2"}, // "ab" and a byte of the next length
            {idBytesAt + 8, -2, "its id section ends inside id 0 of 2"},
            {idBytesAt + 8, 1, "its id section ends inside id 1 of 2"}, // "a", then a length from "b" on
            {idBytesAt + 8 + 6, 1, "1 bytes follow its last id in its id section"},
            {idBytesAt + 8 + 6 + 4, (short) ('a' << 8 | 'b'), "id 'ab' appears twice"}};
        for (Object[] lie : lies) {
            byte[] lying = good.clone();
            java.nio.ByteBuffer w = java.nio.ByteBuffer.wrap(lying);
            if (lie[1] instanceof Long l) {
                w.putLong((int) lie[0], l);
            } else if (lie[1] instanceof Short twoBytes) { // the second id's bytes: "cd" becomes "ab"
                w.putShort((int) lie[0], twoBytes);
            } else {
                w.putInt((int) lie[0], (int) lie[1]);
            }
            java.util.zip.CRC32 crc = new java.util.zip.CRC32();
            crc.update(lying, 0, lying.length - Long.BYTES);
            w.putLong(lying.length - Long.BYTES, crc.getValue());
            Path damaged = Files.write(dir.resolve("lying-ids.sfindex"), lying);
            UnreadableFileException e = assertThrows(UnreadableFileException.class, () -> ExactIndex.load(damaged));
            assertEquals(FormatException.Problem.DAMAGED, e.problem(), e.getMessage());
            assertTrue(e.getMessage().startsWith(damaged + " is damaged: "), e.getMessage());
            assertTrue(e.getMessage().contains((String) lie[2]), e.getMessage());
        }
    }

    /**
     * A version 6 index big enough that its vectors' array is allocated on another core and its vectors arrive in
     * several chunks loads bit for bit; a duplicate id among its 100,000 is damage, and the array is given up.
     */
    @Test
    void bigVersion6IndexesLoadBitForBitAndADuplicateIdIsDamage() throws Exception {
        int n = 100_000;
        int dim = 6; // vectors: 2.4 MB, three chunks
        List<String> ids = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            ids.add(String.format("item-%06d", i));
        }
        float[] v = random(new Random(8), n, dim);
        ExactIndex index = new ExactIndex(dim, ExactIndex.Metric.DOT);
        index.addAll(ids, v);
        Path file = dir.resolve("big.sfindex");
        index.save(file);
        long idBytes = n * (Integer.BYTES + 11L);
        assertTrue(4L * n * dim >= ExactIndex.ALLOCATE_APART && 4L * n * dim > 2 * io.simforge.core.format.FormatInput.BULK_CHUNK);
        ExactIndex back = ExactIndex.load(file);
        assertEquals(n, back.size());
        for (int i = 0; i < n; i += 997) {
            assertArrayEquals(Arrays.copyOfRange(v, i * dim, (i + 1) * dim), back.vector(ids.get(i)));
        }
        assertEquals(index.search(Arrays.copyOf(v, 3 * dim), 5), back.search(Arrays.copyOf(v, 3 * dim), 5));

        byte[] bytes = Files.readAllBytes(file);
        int last = 44 + (int) idBytes - 1; // the last id's last byte: "item-099999" becomes "item-099998"
        assertEquals('9', bytes[last]);
        bytes[last] = '8';
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        crc.update(bytes, 0, bytes.length - Long.BYTES);
        java.nio.ByteBuffer.wrap(bytes).putLong(bytes.length - Long.BYTES, crc.getValue());
        Path twice = Files.write(dir.resolve("twice.sfindex"), bytes);
        UnreadableFileException e = assertThrows(UnreadableFileException.class, () -> ExactIndex.load(twice));
        assertTrue(e.getMessage().startsWith(twice + " is damaged: id 'item-099998' appears twice"), e.getMessage());
    }

    private static Path golden(String name) throws Exception {
        return Path.of(ExactIndexTest.class.getResource("/golden/" + name).toURI());
    }

    /** Indexes written by format versions 2 to 6 (committed golden files, float32 and float16) keep loading. */
    @ParameterizedTest
    @ValueSource(ints = {2, 3, 4, 5, 6})
    void goldenIndexesOfVersions2To6Load(int version) throws Exception {
        ExactIndex f32 = ExactIndex.load(golden("index-v" + version + "-float32.sfindex"));
        assertEquals(ExactIndex.Storage.FLOAT32, f32.storage());
        assertEquals(ExactIndex.Metric.COSINE, f32.metric());
        List<ExactIndex.Hit> hits = f32.search(new float[] {0, 1, 0}, 3).get(0);
        assertEquals(List.of("north", "east", "south"), hits.stream().map(ExactIndex.Hit::id).toList());
        assertEquals(-1f, hits.get(2).score(), 1e-6f);

        ExactIndex f16 = ExactIndex.load(golden("index-v" + version + "-float16.sfindex"));
        assertEquals(ExactIndex.Storage.FLOAT16, f16.storage());
        assertEquals(ExactIndex.Metric.DOT, f16.metric());
        assertEquals(4, f16.size());
        assertArrayEquals(new float[] {0, -1, 0.25f}, f16.vector("south"));
        hits = f16.search(new float[] {-2, 0, 0}, 1).get(0);
        assertEquals(new ExactIndex.Hit("wöst", 2f), hits.get(0));

        Path again = dir.resolve("again.sfindex");
        f16.save(again);
        assertEquals(f16.search(new float[] {1, 1, 1}, 4), ExactIndex.load(again).search(new float[] {1, 1, 1}, 4),
                "saved again as the current version");
    }

    /** Int8 indexes written by format versions 5 and 6 (committed golden files) load; a version 4 file cannot say int8. */
    @ParameterizedTest
    @ValueSource(ints = {5, 6})
    void goldenInt8IndexesOfVersions5And6Load(int version) throws Exception {
        ExactIndex index = ExactIndex.load(golden("index-v" + version + "-int8.sfindex"));
        assertEquals(ExactIndex.Storage.INT8, index.storage());
        assertEquals(ExactIndex.Metric.DOT, index.metric());
        assertArrayEquals(new float[] {0, -1, 0.25f}, index.vector("south"));
        assertEquals(new ExactIndex.Hit("wöst", 2f), index.search(new float[] {-2, 0, 0}, 1).get(0).get(0));
        // east and wöst both score 0: the one added first ranks first.
        assertEquals(List.of(new ExactIndex.Hit("north", 1f), new ExactIndex.Hit("east", 0f),
                new ExactIndex.Hit("wöst", 0f), new ExactIndex.Hit("south", -1f)),
                index.search(new float[] {0, 1, 0}, 9).get(0));

        byte[] v4 = Files.readAllBytes(golden("index-v5-int8.sfindex"));
        v4[4 + 4 + "simforge-index".length() + 3] = 4;
        Path old = Files.write(dir.resolve("v4-int8.sfindex"), v4);
        UnreadableFileException e = assertThrows(UnreadableFileException.class, () -> ExactIndex.load(old));
        assertTrue(e.getMessage().contains("int8 storage, which version 4 did not have"), e.getMessage());
    }

    /**
     * Int8 storage ranks by the codes and re-ranks the candidates by float32: against a float64 brute force its
     * recall@10 is at least 0.99 and its scores are the float64 ones within float32 rounding, through adds and
     * removes (each change quantises again: an item outside every earlier range is found first), save and load.
     */
    @Test
    void int8SearchKeepsRecallAndExactScoresThroughChangesSaveAndLoad() {
        Random r = new Random(31);
        int dim = 33;
        int n = 2_000;
        ExactIndex index = new ExactIndex(dim, ExactIndex.Metric.DOT, ExactIndex.Storage.INT8);
        List<String> ids = new ArrayList<>();
        List<float[]> vectors = new ArrayList<>();
        float[] all = random(r, n, dim);
        for (int i = 0; i < n; i++) {
            ids.add("item-" + i);
            vectors.add(Arrays.copyOfRange(all, i * dim, (i + 1) * dim));
        }
        index.addAll(ids, all);
        float[] queries = random(r, 30, dim);
        checkInt8(index, ids, vectors, queries);

        float[] far = new float[dim];
        Arrays.fill(far, 50f);
        index.add("far", far);
        ids.add("far");
        vectors.add(far);
        for (int i = 0; i < n; i += 7) {
            index.remove("item-" + i);
            int at = ids.indexOf("item-" + i);
            ids.remove(at);
            vectors.remove(at);
        }
        float[] ones = new float[dim];
        Arrays.fill(ones, 1f);
        assertEquals("far", index.search(ones, 1).get(0).get(0).id());
        checkInt8(index, ids, vectors, queries);

        Path file = dir.resolve("int8.sfindex");
        index.save(file);
        ExactIndex back = ExactIndex.load(file);
        assertEquals(ExactIndex.Storage.INT8, back.storage());
        assertEquals(index.search(queries, 10), back.search(queries, 10));
    }

    private static void checkInt8(ExactIndex index, List<String> ids, List<float[]> vectors, float[] queries) {
        int dim = index.dimension();
        List<List<ExactIndex.Hit>> hits = index.search(queries, 10);
        int found = 0;
        int nq = queries.length / dim;
        for (int q = 0; q < nq; q++) {
            float[] query = Arrays.copyOfRange(queries, q * dim, (q + 1) * dim);
            List<String> expected = bruteForce(ids, vectors, query, 10, false);
            for (ExactIndex.Hit hit : hits.get(q)) {
                found += expected.contains(hit.id()) ? 1 : 0;
                float[] v = vectors.get(ids.indexOf(hit.id()));
                double dot = 0;
                for (int d = 0; d < dim; d++) {
                    dot += (double) query[d] * v[d];
                }
                assertEquals(dot, hit.score(), 1e-4, "query " + q + " " + hit.id());
            }
        }
        assertTrue(found >= 0.99 * nq * 10, "recall@10 " + found / (10.0 * nq));
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

    /**
     * The bulk build packs rows in parallel straight into the kernel's layout: it must store exactly what adding
     * one item at a time stores (normalised the same way), also when a slice starts in the middle of a block,
     * and survive save and load (version 4's packed vectors) bit for bit.
     */
    @ParameterizedTest
    @EnumSource(ExactIndex.Storage.class)
    void bulkAddStoresWhatAddingOneByOneStores(ExactIndex.Storage storage) {
        Random r = new Random(21);
        int dim = 17;
        int n = 300;
        float[] v = new float[n * dim];
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            ids.add("item-" + i);
            for (int d = 0; d < dim; d++) {
                v[i * dim + d] = (float) r.nextGaussian();
            }
        }
        for (int d = 0; d < dim; d++) {
            v[5 * dim + d] = 0; // a zero vector stays zero under cosine
        }
        for (ExactIndex.Metric metric : ExactIndex.Metric.values()) {
            ExactIndex one = new ExactIndex(dim, metric, storage);
            for (int i = 0; i < n; i++) {
                one.add(ids.get(i), Arrays.copyOfRange(v, i * dim, (i + 1) * dim));
            }
            ExactIndex bulk = new ExactIndex(dim, metric, storage);
            bulk.addAll(ids.subList(0, 70), Arrays.copyOfRange(v, 0, 70 * dim));
            bulk.addAll(ids.subList(70, n), Arrays.copyOfRange(v, 70 * dim, n * dim));
            Path file = dir.resolve("bulk-" + metric + ".sfindex");
            bulk.save(file);
            ExactIndex loaded = ExactIndex.load(file);
            for (ExactIndex candidate : List.of(bulk, loaded)) {
                assertEquals(n, candidate.size());
                for (String id : ids) {
                    assertArrayEquals(one.vector(id), candidate.vector(id), metric + " " + id);
                }
                float[] q = Arrays.copyOfRange(v, 7 * dim, 10 * dim);
                assertEquals(one.search(q, 12), candidate.search(q, 12), metric.toString());
            }
            loaded.add("late", Arrays.copyOfRange(v, 0, dim)); // a loaded index still grows
            assertEquals(n + 1, loaded.size());
        }
    }

    /** A refused bulk add (a NaN, an id given twice or already present) adds nothing. */
    @Test
    void aRefusedBulkAddAddsNothing() {
        ExactIndex index = new ExactIndex(2, ExactIndex.Metric.DOT);
        index.add("a", new float[] {1, 0});
        InvalidInputException e = assertThrows(InvalidInputException.class,
                () -> index.addAll(List.of("b", "c"), new float[] {0, 1, Float.NaN, 0}));
        assertEquals("item 'c' (row 1) has NaN at column 0; an index holds finite vectors only", e.getMessage());
        e = assertThrows(InvalidInputException.class,
                () -> index.addAll(List.of("b", "c", "b"), new float[] {0, 1, 1, 1, 2, 2}));
        assertTrue(e.getMessage().contains("'b' (item 2) is given twice"), e.getMessage());
        e = assertThrows(InvalidInputException.class, () -> index.addAll(List.of("b", "a"), new float[] {0, 1, 1, 1}));
        assertTrue(e.getMessage().contains("'a' (item 1) is already in the index"), e.getMessage());
        assertEquals(1, index.size());
        assertFalse(index.contains("b"));
        index.addAll(List.of("b", "c"), new float[] {0, 1, 1, 1});
        assertEquals(List.of("c", "a", "b"), index.search(new float[] {1, 0.5f}, 3).get(0).stream()
                .map(ExactIndex.Hit::id).toList());
    }

    @Test
    void badItemsAreRefused() {
        ExactIndex index = new ExactIndex(3, ExactIndex.Metric.COSINE);
        index.add("x", new float[] {1, 0, 0});
        assertThrows(InvalidInputException.class, () -> index.add("x", new float[] {0, 1, 0}));
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> index.add("y", new float[] {1, 0}));
        assertTrue(e.getMessage().contains("3-d vectors"), e.getMessage());
        assertThrows(InvalidInputException.class, () -> index.add("z", new float[] {Float.NaN, 0, 0}));
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
