package io.simforge.train.loss;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.simforge.core.format.FormatException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code loss.state}: what it keeps comes back bit for bit; a damaged, newer or foreign file is refused by name. */
class LossStateTest {
    @TempDir
    Path dir;

    /** Version 1, as the first release of the format wrote it: a 2×3 float32 array, an int32 array and counters. */
    @Test
    void theGoldenVersionOneFileReads() throws Exception {
        LossState golden = LossState.read(Path.of("src/test/resources/io/simforge/train/golden/loss-state-v1.state"));
        assertEquals(java.util.Set.of("proxies", "xbm.ids", "xbm.position"), golden.names());
        assertArrayEquals(new int[] {41, 7, -1}, golden.ints("xbm.ids"));
        assertArrayEquals(new int[] {1, 3}, golden.ints("xbm.position"));
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray proxies = m.zeros(new Shape(2, 3));
            golden.copyInto("proxies", proxies);
            assertArrayEquals(new float[] {0.25f, -1.5f, 3f, 0f, 1e-3f, -7f}, proxies.toFloatArray());
        }
    }

    @Test
    void arraysComeBackBitForBitAndEveryDamageIsRefused() throws Exception {
        Path file = dir.resolve("loss.state");
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray floats = m.create(new float[] {1.5f, -0f, Float.MIN_VALUE, 3e38f, -2, 7}, new Shape(2, 3));
            NDArray ints = m.create(new int[] {4, -1, Integer.MAX_VALUE});
            new LossState().put("b.floats", floats).put("a.ints", ints).putInts("c.position", 2, 9).write(file);
            LossState read = LossState.read(file);
            assertEquals(java.util.Set.of("a.ints", "b.floats", "c.position"), read.names());
            NDArray f = m.zeros(new Shape(2, 3));
            read.copyInto("b.floats", f);
            assertArrayEquals(floats.toFloatArray(), f.toFloatArray());
            NDArray i = m.zeros(new Shape(3), DataType.INT32);
            read.copyInto("a.ints", i);
            assertArrayEquals(ints.toIntArray(), i.toIntArray());
            assertArrayEquals(new int[] {2, 9}, read.ints("c.position"));
            // The wrong shape or type, or a missing array, is refused naming both.
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> read.copyInto("b.floats", m.zeros(new Shape(3, 2))));
            assertTrue(e.getMessage().contains("(2, 3)") && e.getMessage().contains("(3, 2)"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> read.copyInto("a.ints", m.zeros(new Shape(3))));
            assertTrue(assertThrows(IllegalArgumentException.class, () -> read.ints("proxies")).getMessage()
                    .contains("has no proxies"));
            assertThrows(IllegalArgumentException.class, () -> new LossState().put("d", m.zeros(new Shape(2),
                    DataType.FLOAT16)));
        }
        byte[] good = Files.readAllBytes(file);
        Path again = dir.resolve("again.state");
        LossState.read(file).write(again);
        assertArrayEquals(good, Files.readAllBytes(again), "written again, the same bytes");

        Path bad = dir.resolve("bad.state");
        byte[] newer = good.clone();
        newer[4 + 4 + LossState.FORMAT.name().length() + 3] = 2;
        Files.write(bad, newer);
        assertEquals(bad + " is a simforge loss state file of version 2, newer than this simforge reads (up to 1): "
                + "upgrade simforge", assertThrows(FormatException.class, () -> LossState.read(bad)).getMessage());
        Files.writeString(bad, "{\"format\": \"simforge-checkpoint\"}");
        assertEquals(FormatException.Problem.FOREIGN,
                assertThrows(FormatException.class, () -> LossState.read(bad)).problem());
        for (int bit = 0; bit < good.length * 8; bit++) {
            byte[] flipped = good.clone();
            flipped[bit / 8] ^= (byte) (1 << (bit % 8));
            Files.write(bad, flipped);
            FormatException e = assertThrows(FormatException.class, () -> LossState.read(bad), "bit " + bit);
            assertTrue(e.getMessage().startsWith(bad.toString()), e.getMessage());
        }
        for (int length = 0; length < good.length; length++) {
            Files.write(bad, java.util.Arrays.copyOf(good, length));
            FormatException e = assertThrows(FormatException.class, () -> LossState.read(bad), length + " bytes");
            assertTrue(e.getMessage().startsWith(bad.toString()), e.getMessage());
        }
    }
}
