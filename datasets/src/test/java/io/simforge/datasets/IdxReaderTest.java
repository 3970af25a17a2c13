package io.simforge.datasets;

import io.simforge.core.data.DatasetException;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdxReaderTest {
    @TempDir
    Path dir;

    /** Writes an IDX file of unsigned bytes by hand, following the format description. */
    static byte[] idx(int[] dims, byte[] data) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeInt(0x00000800 | dims.length);
        for (int d : dims) {
            out.writeInt(d);
        }
        out.write(data);
        return bytes.toByteArray();
    }

    static byte[] gzip(byte[] raw) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (OutputStream gz = new GZIPOutputStream(bytes)) {
            gz.write(raw);
        }
        return bytes.toByteArray();
    }

    private void writeTinySplit(boolean gzipped) throws IOException {
        byte[] pixels = new byte[3 * 2 * 2];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = (byte) (i * 20);
        }
        byte[] images = idx(new int[] {3, 2, 2}, pixels);
        byte[] labels = idx(new int[] {3}, new byte[] {7, 0, (byte) 200});
        String ext = gzipped ? ".gz" : "";
        Files.write(dir.resolve("tiny-images-idx3-ubyte" + ext), gzipped ? gzip(images) : images);
        Files.write(dir.resolve("tiny-labels-idx1-ubyte" + ext), gzipped ? gzip(labels) : labels);
    }

    @Test
    void readsPlainAndGzippedFiles() throws IOException {
        for (boolean gz : new boolean[] {false, true}) {
            writeTinySplit(gz);
            ImageDataset d = FashionMnist.read(dir, "tiny");
            assertEquals(3, d.size());
            assertEquals(2, d.height());
            assertEquals(2, d.width());
            assertArrayEquals(new int[] {7, 0, 200}, d.labels(), "labels are unsigned");
            float[] px = new float[4];
            d.copyPixels(2, px, 0);
            assertArrayEquals(new float[] {160, 180, 200, 220}, px, "pixels are unsigned");
            for (Path p : Files.list(dir).toList()) {
                Files.delete(p);
            }
        }
    }

    @Test
    void aTruncatedFileSaysSoAndHowMuchIsMissing() throws IOException {
        byte[] full = idx(new int[] {4, 3, 3}, new byte[36]);
        Path f = dir.resolve("cut-images-idx3-ubyte");
        Files.write(f, Arrays.copyOf(full, full.length - 5));
        DatasetException e = assertThrows(DatasetException.class, () -> IdxReader.read(f));
        assertTrue(e.getMessage().contains("truncated") && e.getMessage().contains("declares 36 bytes")
                && e.getMessage().contains("only 31"), e.getMessage());

        Files.write(f, Arrays.copyOf(full, 6));
        e = assertThrows(DatasetException.class, () -> IdxReader.read(f));
        assertTrue(e.getMessage().contains("truncated inside its header"), e.getMessage());

        Files.write(f, gzip(Arrays.copyOf(full, full.length - 1)));
        e = assertThrows(DatasetException.class, () -> IdxReader.read(f));
        assertTrue(e.getMessage().contains("truncated"), e.getMessage());
    }

    @Test
    void malformedInputsAreNamed() throws IOException {
        Path f = dir.resolve("x");
        Files.writeString(f, "label,path\n1,a.png\n");
        DatasetException e = assertThrows(DatasetException.class, () -> IdxReader.read(f));
        assertTrue(e.getMessage().contains("is not an IDX file"), e.getMessage());

        e = assertThrows(DatasetException.class, () -> FashionMnist.read(dir.resolve("missing"), "t10k"));
        assertTrue(e.getMessage().contains("dataset folder not found"), e.getMessage());

        e = assertThrows(DatasetException.class, () -> FashionMnist.read(dir, "t10k"));
        assertTrue(e.getMessage().contains("has no t10k-images-idx3-ubyte"), e.getMessage());

        // Images and labels swapped.
        Files.write(dir.resolve("s-images-idx3-ubyte"), idx(new int[] {2}, new byte[2]));
        Files.write(dir.resolve("s-labels-idx1-ubyte"), idx(new int[] {2, 2, 2}, new byte[8]));
        e = assertThrows(DatasetException.class, () -> FashionMnist.read(dir, "s"));
        assertTrue(e.getMessage().contains("swapped"), e.getMessage());
    }

    @Test
    void theBundledSplitIsFashionMnistsTestSet() {
        ImageDataset d = FashionMnist.bundledTestSplit();
        assertEquals(10_000, d.size());
        assertEquals(28, d.height());
        for (int c = 0; c < 10; c++) {
            assertEquals(1000, d.withClasses(List.of(c)).size());
        }
        assertEquals(1, d.withClasses(List.of(3)).classes().size());
        assertThrows(DatasetException.class, () -> d.withClasses(List.of(42)));
    }
}
