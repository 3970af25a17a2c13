package io.simforge.onnx;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Damaged input only ever gives a model or an {@link OnnxFormatException}: random truncations, bit flips, byte
 * overwrites and random bytes over real and generated models, for a bounded time, plus hand-made hostile inputs
 * (lengths past the end, endless varints, deep nesting, a huge packed field).
 */
class OnnxReaderFuzzTest {
    /** Four seconds, or -Dsimforge.fuzz.seconds (the fuzz profile's long run). */
    private static final long BUDGET_NANOS = Duration.ofSeconds(Long.getLong("simforge.fuzz.seconds", 4)).toNanos();

    @Test
    void damagedInputGivesAModelOrOurException() throws Exception {
        List<byte[]> seeds = new ArrayList<>();
        for (Path p : OnnxWireCrossCheckTest.existingFiles().toList()) {
            seeds.add(Files.readAllBytes(p));
        }
        for (int i = 0; i < 20; i++) {
            seeds.add(OnnxWriter.toBytes(new RandomModels(5000 + i).model()));
        }
        long[] counts = new long[2]; // decoded, refused
        assertTimeoutPreemptively(Duration.ofNanos(BUDGET_NANOS).plusSeconds(60), () -> {
            Random r = new Random(42);
            long start = System.nanoTime();
            long iteration = 0;
            while (System.nanoTime() - start < BUDGET_NANOS) {
                byte[] seed = seeds.get(r.nextInt(seeds.size()));
                byte[] input = mutate(seed, r);
                try {
                    OnnxReader.read(input, "fuzz-" + iteration);
                    counts[0]++;
                } catch (OnnxFormatException e) {
                    assertTrue(e.getMessage().startsWith("fuzz-" + iteration), e.getMessage());
                    counts[1]++;
                } catch (Throwable t) {
                    fail("iteration " + iteration + " threw " + t, t);
                }
                iteration++;
            }
        });
        assertTrue(counts[0] > 100 && counts[1] > 100, "decoded " + counts[0] + ", refused " + counts[1]);
    }

    private static byte[] mutate(byte[] seed, Random r) {
        byte[] b = seed.clone();
        switch (r.nextInt(5)) {
            case 0 -> {
                return java.util.Arrays.copyOf(b, r.nextInt(b.length + 1)); // truncated
            }
            case 1 -> {
                for (int i = 1 + r.nextInt(4); i > 0; i--) {
                    int at = r.nextInt(b.length);
                    b[at] ^= (byte) (1 << r.nextInt(8)); // bit flips
                }
            }
            case 2 -> {
                for (int i = 1 + r.nextInt(8); i > 0; i--) {
                    b[r.nextInt(b.length)] = (byte) r.nextInt(256); // bytes overwritten
                }
            }
            case 3 -> {
                byte[] noise = new byte[r.nextInt(2000)];
                r.nextBytes(noise);
                return noise; // not ONNX at all
            }
            default -> {
                int at = r.nextInt(b.length);
                byte[] noise = new byte[1 + r.nextInt(16)];
                r.nextBytes(noise);
                System.arraycopy(noise, 0, b, at, Math.min(noise.length, b.length - at)); // a damaged stretch
            }
        }
        return b;
    }

    @Test
    void hostileInputsAreRefusedCheaply() {
        // A graph field claiming 2 GiB with 3 bytes present.
        assertRefused(new byte[] {0x3a, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x07, 1, 2, 3}, "ends inside");
        // A varint that never ends.
        byte[] endless = new byte[32];
        java.util.Arrays.fill(endless, (byte) 0xff);
        endless[0] = 0x08;
        assertRefused(endless, "longer than 10 bytes");
        // Field number 0, and an end-group marker with no group.
        assertRefused(new byte[] {0x00, 0x01}, "invalid field tag");
        assertRefused(new byte[] {0x0c}, "end-of-group");
        // A nested message claiming more bytes than its parent has.
        assertRefused(new byte[] {0x3a, 0x02, 0x0a, 0x05, 0, 0, 0, 0, 0}, "overruns its enclosing message");
        // A packed float field whose length is not a multiple of 4.
        assertRefused(model(graph(initializer(new byte[] {0x22, 0x03, 0, 0, 0}))), "not a multiple of 4");
        // Subgraphs nested far deeper than any model: refused, no stack overflow.
        byte[] graph = new byte[0];
        for (int i = 0; i < 500; i++) {
            graph = graph(node(attribute(graph)));
        }
        assertRefused(model(graph), "nested more than");
        // Unknown groups are skipped, when they are well formed.
        try {
            OnnxReader.read(new byte[] {(byte) 0xfb, 0x01, 0x08, 0x01, (byte) 0xfc, 0x01, 0x08, 0x08}, "group");
        } catch (OnnxFormatException e) {
            fail(e);
        }
    }

    @Test
    void filesNameThemselvesWhenDamaged(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Path file = dir.resolve("cut.onnx");
        byte[] whole = Files.readAllBytes(Path.of("src/test/resources/io/simforge/onnx/v1/convnet-fp16.onnx"));
        Files.write(file, java.util.Arrays.copyOf(whole, whole.length - 7));
        OnnxFormatException e = assertThrows(OnnxFormatException.class, () -> OnnxReader.read(file));
        assertTrue(e.getMessage().startsWith(file.toString()) && e.getMessage().contains("truncated"), e.getMessage());
        java.io.IOException missing = assertThrows(java.io.IOException.class, () -> OnnxReader.read(dir.resolve("no.onnx")));
        assertTrue(missing.getMessage().contains("does not exist"), missing.getMessage());
    }

    private static void assertRefused(byte[] input, String expected) {
        OnnxFormatException e = assertThrows(OnnxFormatException.class, () -> OnnxReader.read(input, "hostile"));
        assertTrue(e.getMessage().startsWith("hostile: ") && e.getMessage().contains(expected), e.getMessage());
    }

    private static byte[] model(byte[] graph) {
        return field(7, graph);
    }

    private static byte[] graph(byte[] body) {
        return body;
    }

    private static byte[] initializer(byte[] tensor) {
        return field(5, tensor);
    }

    private static byte[] node(byte[] attribute) {
        return field(1, field(5, attribute));
    }

    private static byte[] attribute(byte[] graph) {
        return field(6, graph);
    }

    private static byte[] field(int number, byte[] body) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        varint(out, (long) number << 3 | 2);
        varint(out, body.length);
        out.writeBytes(body);
        return out.toByteArray();
    }

    private static void varint(ByteArrayOutputStream out, long v) {
        while ((v & ~0x7fL) != 0) {
            out.write((int) ((v & 0x7f) | 0x80));
            v >>>= 7;
        }
        out.write((int) v);
    }
}
