package io.simforge.bench;

import io.simforge.core.format.FormatInput;
import io.simforge.infer.ExactIndex;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.AbstractList;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.zip.CRC32;
import java.util.zip.CRC32C;

/**
 * Loading a saved {@link ExactIndex} against plainly reading its file (issue #18): rounds alternate a plain read (1 MiB
 * reads into one buffer) and {@link ExactIndex#load}, every round printed, both from the page cache after the first
 * read. With phases, each part of a load is also timed on its own over the same file: reading it through the
 * checksummed reader, the CRC32 and CRC32C of a buffer the size of the file (from the cache), allocating the vectors'
 * array, turning big-endian and little-endian bytes into that array, and the ids read into their map.
 */
public final class LoadBenchmark {
    private static final int CHUNK = 1 << 20;

    private final PrintStream out;

    public LoadBenchmark(PrintStream out) {
        this.out = out;
    }

    /** Builds a seeded random index of unit vectors (ids "0", "1", …) and saves it to {@code file}. */
    public void make(Path file, int gallery, int dim, ExactIndex.Storage storage, long seed) {
        ExactIndex index = new ExactIndex(dim, ExactIndex.Metric.DOT, storage);
        index.reserve(gallery);
        Random random = new Random(seed);
        for (int from = 0; from < gallery; from += 65_536) {
            int count = Math.min(65_536, gallery - from);
            float[] v = new float[count * dim];
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) random.nextGaussian();
            }
            for (int r = 0; r < count; r++) {
                double norm = 0;
                for (int d = 0; d < dim; d++) {
                    norm += v[r * dim + d] * v[r * dim + d];
                }
                for (int d = 0; d < dim; d++) {
                    v[r * dim + d] /= (float) Math.sqrt(norm);
                }
            }
            int first = from;
            index.addAll(new AbstractList<>() {
                @Override
                public String get(int i) {
                    return Integer.toString(first + i);
                }

                @Override
                public int size() {
                    return count;
                }
            }, v);
        }
        long t = System.nanoTime();
        index.save(file);
        out.printf(Locale.ROOT, "made %s: %d × %d %s, saved in %.2f s, %d MiB%n", file, gallery, dim,
                storage.name().toLowerCase(Locale.ROOT), (System.nanoTime() - t) / 1e9, size(file) >> 20);
    }

    /** {@code rounds} rounds of a plain read, then a load; then the phases when asked. */
    public void run(Path file, int rounds, boolean phases) throws IOException {
        out.printf(Locale.ROOT, "index file %s: %d MiB; heap max %d MiB%n", file, size(file) >> 20,
                Runtime.getRuntime().maxMemory() >> 20);
        for (int round = 1; round <= rounds; round++) {
            System.gc(); // the previous round's index, so that loading does not wait for a collection
            double read = plainRead(file);
            System.gc();
            out.printf(Locale.ROOT, "round %d: read plainly in %.3f s, %s%n", round, read, timedLoad(file, read));
        }
        if (phases) {
            System.gc();
            phases(file);
        }
    }

    /** Loads the file and says how long it took; the index is garbage when this returns (for the next round). */
    private static String timedLoad(Path file, double read) {
        long t = System.nanoTime();
        ExactIndex index = ExactIndex.load(file);
        double load = (System.nanoTime() - t) / 1e9;
        return String.format(Locale.ROOT, "loaded in %.3f s (%d items, %s): load/read %.2f", load, index.size(),
                index.storage(), load / read);
    }

    private static double plainRead(Path file) throws IOException {
        long t = System.nanoTime();
        byte[] buffer = new byte[CHUNK];
        try (InputStream in = Files.newInputStream(file)) {
            while (in.read(buffer) > 0) {
                // only the bytes' arrival counts
            }
        }
        return (System.nanoTime() - t) / 1e9;
    }

    private void phases(Path file) throws IOException {
        long bytes = size(file);
        double read = plainRead(file);
        phase("plain read, 1 MiB reads into one heap buffer", read);
        long t = System.nanoTime();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer direct = ByteBuffer.allocateDirect(CHUNK);
            while (ch.read(direct.clear()) > 0) {
                // only the bytes' arrival counts
            }
        }
        phase("plain read, FileChannel into one direct buffer", (System.nanoTime() - t) / 1e9);
        t = System.nanoTime();
        try (FormatInput in = FormatInput.open(file)) {
            byte[] b = new byte[CHUNK];
            for (long left = in.remaining(); left > 0; left -= CHUNK) {
                in.readFully(b, 0, (int) Math.min(CHUNK, left));
            }
        }
        phase("FormatInput.readFully over the file, 1 MiB heap chunks (read + CRC32 as it reads)",
                (System.nanoTime() - t) / 1e9);
        t = System.nanoTime();
        try (FormatInput in = FormatInput.open(file)) {
            in.readBulk(in.remaining(), (chunk, offset) -> { });
        }
        phase("FormatInput.readBulk over the file, nothing done with the chunks (read into direct chunks + CRC32)",
                (System.nanoTime() - t) / 1e9);
        byte[] chunk = new byte[CHUNK];
        new Random(1).nextBytes(chunk);
        ByteBuffer directChunk = ByteBuffer.allocateDirect(CHUNK).put(chunk).flip();
        t = System.nanoTime();
        CRC32 crc = new CRC32();
        for (long left = bytes; left > 0; left -= CHUNK) {
            crc.update(chunk, 0, (int) Math.min(CHUNK, left));
        }
        phase("CRC32 of the file's size, 1 MiB heap chunk from cache", (System.nanoTime() - t) / 1e9);
        t = System.nanoTime();
        CRC32C crcc = new CRC32C();
        for (long left = bytes; left > 0; left -= CHUNK) {
            crcc.update(chunk, 0, (int) Math.min(CHUNK, left));
        }
        phase("CRC32C of the file's size, 1 MiB heap chunk from cache", (System.nanoTime() - t) / 1e9);
        t = System.nanoTime();
        for (long left = bytes; left > 0; left -= CHUNK) {
            crc.update(directChunk.duplicate().limit((int) Math.min(CHUNK, left)));
        }
        phase("CRC32 of the file's size, 1 MiB direct chunk from cache", (System.nanoTime() - t) / 1e9);
        long floats = bytes / Float.BYTES;
        if (floats > Integer.MAX_VALUE - 8) {
            out.println("phase: file larger than one float array; allocation and conversion not timed");
            return;
        }
        t = System.nanoTime();
        float[] array = new float[(int) floats];
        phase("new float[" + floats + "] (zeroed by the JVM, pages faulted in)", (System.nanoTime() - t) / 1e9);
        for (ByteOrder order : new ByteOrder[] {ByteOrder.BIG_ENDIAN, ByteOrder.LITTLE_ENDIAN}) {
            for (boolean isDirect : new boolean[] {false, true}) {
                ByteBuffer src = isDirect ? directChunk.duplicate().order(order) : ByteBuffer.wrap(chunk).order(order);
                t = System.nanoTime();
                int per = CHUNK / Float.BYTES;
                for (int at = 0; at < floats; at += per) {
                    src.clear().asFloatBuffer().get(array, at, (int) Math.min(per, floats - at));
                }
                phase(order + " floats from a 1 MiB " + (isDirect ? "direct" : "heap") + " chunk into that array",
                        (System.nanoTime() - t) / 1e9);
            }
        }
        array = null;
        System.gc();
        t = System.nanoTime();
        int ids;
        try (FormatInput in = FormatInput.open(file)) {
            int version = in.checkHeader(ExactIndex.FORMAT, 4);
            in.readInt();
            in.readByte();
            in.readByte();
            ids = in.readInt();
            Map<String, Integer> rows = new HashMap<>(Math.max(16, (int) (ids / 0.75f) + 1));
            if (version >= 6) { // the ids' byte count, the ids read at once, then parsed from memory
                byte[] section = new byte[(int) in.readLong()];
                in.readFully(section, 0, section.length);
                ByteBuffer b = ByteBuffer.wrap(section);
                for (int i = 0; i < ids; i++) {
                    int length = b.getInt();
                    rows.put(new String(section, b.position(), length, StandardCharsets.UTF_8), i);
                    b.position(b.position() + length);
                }
            } else {
                for (int i = 0; i < ids; i++) {
                    rows.put(in.readString(), i);
                }
            }
            phase(ids + " ids of a version " + version + " file read into a HashMap", (System.nanoTime() - t) / 1e9);
        }
    }

    private void phase(String what, double seconds) {
        out.printf(Locale.ROOT, "phase: %s: %.3f s%n", what, seconds);
    }

    private static long size(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
