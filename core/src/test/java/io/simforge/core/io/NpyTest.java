package io.simforge.core.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NpyTest {
    @TempDir
    Path dir;

    private static Path resource(String name) throws URISyntaxException {
        return Path.of(NpyTest.class.getResource("/npy/" + name).toURI());
    }

    @Test
    void readsWhatNumpyWrites() throws Exception {
        Npy.FloatArray f = Npy.readFloats(resource("f32.npy"));
        assertArrayEquals(new int[] {2, 3}, f.shape());
        assertArrayEquals(new float[] {1.5f, -2, 3, 4, 5, 6.25f}, f.values());
        Npy.FloatArray fortran = Npy.readFloats(resource("f64-fortran.npy"));
        assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6}, fortran.values(), "Fortran order comes back row-major");
        assertArrayEquals(new float[] {0.5f, 1, 2, 3}, Npy.readFloats(resource("f32-big-endian.npy")).values());
        assertArrayEquals(new int[] {3, -1, 7, Integer.MAX_VALUE}, Npy.readInts(resource("i64.npy")));
        assertArrayEquals(new int[] {0, 255, 9}, Npy.readInts(resource("u8.npy")));
    }

    @Test
    void roundTripsAndWritesNumpysOwnHeaderLayout() throws Exception {
        Path m = dir.resolve("m.npy");
        float[] values = {1, 2, 3, 4, 5, 6};
        Npy.writeFloats(m, values, 3, 2);
        Npy.FloatArray back = Npy.readFloats(m);
        assertArrayEquals(new int[] {3, 2}, back.shape());
        assertArrayEquals(values, back.values());
        assertArrayEquals(Files.readAllBytes(resource("f32-3x2.npy")), Files.readAllBytes(m),
                "byte for byte what numpy.save writes");
        Path l = dir.resolve("l.npy");
        Npy.writeInts(l, new int[] {5, -3});
        assertArrayEquals(new int[] {5, -3}, Npy.readInts(l));
        assertArrayEquals(Files.readAllBytes(resource("i32.npy")), Files.readAllBytes(l));
    }

    @Test
    void badFilesAreRefusedWithTheReason() throws Exception {
        Path text = dir.resolve("labels.npy");
        Files.writeString(text, "1\n2\n");
        assertMessage(text, "not a NumPy .npy file");
        Path truncated = dir.resolve("t.npy");
        byte[] full = Files.readAllBytes(resource("f32.npy"));
        Files.write(truncated, Arrays.copyOf(full, full.length - 5));
        assertMessage(truncated, "truncated");
        Path strings = dir.resolve("s.npy");
        try (var out = Files.newOutputStream(strings)) {
            Npy.writeRaw(out, "{'descr': '<U3', 'fortran_order': False, 'shape': (1,), }\n", new byte[12]);
        }
        assertMessage(strings, "its header is {'descr': '<U3'");
        IOException twoD = assertThrows(IOException.class, () -> Npy.readInts(resource("f32.npy")));
        assertTrue(twoD.getMessage().contains("1-D NumPy .npy file of labels"), twoD.getMessage());
        Path fractional = dir.resolve("frac.npy");
        Npy.writeFloats(fractional, new float[] {1.5f}, 1, 1);
        assertThrows(IOException.class, () -> Npy.readInts(fractional));
    }

    private static void assertMessage(Path file, String part) {
        IOException e = assertThrows(IOException.class, () -> Npy.readFloats(file));
        assertTrue(e.getMessage().contains(part), e.getMessage());
    }
}
