package io.simforge.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.simforge.core.io.Npy;
import io.simforge.infer.ExactIndex;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * What the commands say to bad input (issue #15's table): one line naming the problem and the value typed, exit code
 * not 0, nothing half-printed.
 */
class BadInputTest {
    @TempDir
    Path dir;

    private static CliRun run(String... args) {
        return CliRun.of(args);
    }

    /** Flags that take any number: seeds, and a mean (which may be below 0; it must still be finite). */
    private static final Set<String> ANY_VALUE = Set.of("--seed", "--mean");

    /**
     * Every numeric flag of every command refuses an out-of-range value while parsing, naming the flag and the value
     * as typed (rows "-k 0, -k -3" and "--image-size -5": "-k -3" said "got -2", the image size "got -6").
     */
    @Test
    void everyNumericFlagIsRangeCheckedWithTheValueTyped() {
        List<String> checked = new ArrayList<>();
        walk(Main.commandLine(), checked);
        assertTrue(checked.size() >= 40, "numeric flags found: " + checked);
        System.out.println("numeric flags range-checked: " + checked.size());
    }

    private static void walk(CommandLine cl, List<String> checked) {
        CommandSpec spec = cl.getCommandSpec();
        for (OptionSpec o : spec.options()) {
            Class<?> t = o.type().isArray() ? o.type().getComponentType() : o.type();
            boolean numeric = t == int.class || t == Integer.class || t == long.class || t == Long.class
                    || t == float.class || t == Float.class || t == double.class || t == Double.class;
            if (!numeric || ANY_VALUE.contains(o.longestName())) {
                continue;
            }
            String flag = o.longestName();
            CommandLine fresh = Main.commandLine();
            List<String> args = new ArrayList<>(List.of(spec.qualifiedName(" ").split(" ")));
            args.remove(0);
            args.add(flag);
            args.add("-7");
            try {
                fresh.parseArgs(args.toArray(String[]::new));
                fail(spec.qualifiedName() + " " + flag + " -7 was accepted");
            } catch (CommandLine.ParameterException e) {
                assertTrue(e.getMessage().contains(flag) && e.getMessage().contains("-7"), flag + ": " + e.getMessage());
                if (e.getMessage().contains("Missing required")) {
                    fail(flag + " was not checked before the required options: " + e.getMessage());
                }
            }
            checked.add(spec.qualifiedName() + " " + flag);
        }
        for (CommandLine sub : cl.getSubcommands().values()) {
            walk(sub, checked);
        }
    }

    @Test
    void theErrorIsOneLineWithTheValueTyped() {
        CliRun o = run("search", "x.sfindex", "--vectors", "q.npy", "-k", "-3");
        assertEquals(2, o.code());
        assertTrue(o.err().startsWith("simforge search: Invalid value for option '-k': -3 is not a whole number of 1 "
                + "or more"), o.err());
        o = run("train", "--image-size", "-5");
        assertTrue(o.err().contains("'--image-size': -5 is not a whole number of 1 or more"), o.err());
        assertEquals("", o.out());
    }

    private Path index(int dim) throws Exception {
        ExactIndex index = new ExactIndex(dim, ExactIndex.Metric.COSINE);
        Random r = new Random(3);
        for (int i = 0; i < 20; i++) {
            float[] v = new float[dim];
            for (int d = 0; d < dim; d++) {
                v[d] = (float) r.nextGaussian();
            }
            index.add("item-" + i, v);
        }
        Path file = dir.resolve("g" + dim + ".sfindex");
        index.save(file);
        return file;
    }

    /** Row 3: a 2×32 query against a 64-d index printed hits for "row 0", then failed. */
    @Test
    void queriesOfTheWrongDimensionAreRefusedBeforeAnyResult() throws Exception {
        Path q = dir.resolve("q.npy");
        Npy.writeFloats(q, new float[64], 2, 32);
        CliRun o = run("search", index(64).toString(), "--vectors", q.toString());
        assertEquals(1, o.code());
        assertEquals("", o.out(), "nothing printed before the error");
        assertTrue(o.err().contains(q + " has shape [2, 32], but") && o.err().contains("holds 64-d vectors"), o.err());
    }

    /** Row 4: a NaN or infinite query value ended in "Index -1 out of bounds". */
    @Test
    void nonFiniteQueriesAreRefusedByRowAndColumn() throws Exception {
        float[] values = new float[2 * 8];
        values[8 + 5] = Float.NaN;
        Path q = dir.resolve("nan.npy");
        Npy.writeFloats(q, values, 2, 8);
        CliRun o = run("search", index(8).toString(), "--vectors", q.toString());
        assertEquals(1, o.code());
        assertTrue(o.err().contains("nan.npy row 1, column 5 is NaN"), o.err());
        values[8 + 5] = Float.NEGATIVE_INFINITY;
        Npy.writeFloats(q, values, 2, 8);
        assertTrue(run("search", index(8).toString(), "--vectors", q.toString()).err()
                .contains("row 1, column 5 is -Infinity"));
    }

    /** Row 2: one bit flipped in an index's item count was an OutOfMemoryError with a stack trace. */
    @Test
    void aFlippedBitInTheItemCountIsReportedAsDamage() throws Exception {
        Path file = index(8);
        byte[] bytes = Files.readAllBytes(file);
        // Header: magic (4), name (4 + 14), version (4), dimension (4), metric (1), storage (1): the count follows.
        int count = 4 + 4 + "simforge-index".length() + 4 + 4 + 1 + 1;
        assertEquals(20, java.nio.ByteBuffer.wrap(bytes, count, 4).getInt());
        for (int bit = 0; bit < 32; bit++) {
            byte[] flipped = bytes.clone();
            flipped[count + 3 - bit / 8] ^= (byte) (1 << (bit % 8));
            Path bad = Files.write(dir.resolve("flipped.sfindex"), flipped);
            CliRun o = run("search", bad.toString(), "--ids", "item-1");
            assertEquals(1, o.code(), "bit " + bit);
            assertTrue(o.err().startsWith("simforge search: " + bad + " is damaged: "), "bit " + bit + ": " + o.err());
            assertFalse(o.err().contains("Exception"), o.err());
        }
    }

    /** Row 1, the eval side: all-NaN embeddings gave all-zero metrics and exit 0. */
    @Test
    void evalRefusesNonFiniteEmbeddings() throws Exception {
        float[] e = new float[6 * 4];
        java.util.Arrays.fill(e, Float.NaN);
        Path emb = dir.resolve("e.npy");
        Npy.writeFloats(emb, e, 6, 4);
        Path labels = dir.resolve("y.npy");
        Npy.writeInts(labels, new int[] {0, 0, 1, 1, 2, 2});
        CliRun o = run("eval", "--embeddings", emb.toString(), "--labels", labels.toString(), "-o",
                dir.resolve("out").toString());
        assertNotEquals(0, o.code());
        assertTrue(o.err().contains(emb + " row 0, column 0 is NaN"), o.err());
        assertFalse(Files.exists(dir.resolve("out").resolve("metrics.json")));
    }
}
