package io.simforge.core.fuzz;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;

/**
 * Fuzzes a file reader with damaged copies of valid files, for a bounded time: truncations, bit flips, overwritten
 * bytes and stretches, inserted and deleted bytes, duplicated stretches and plain noise. The property: the reader
 * returns a value or throws the exception it documents for a file it refuses, with a message naming the file; never
 * any other exception or error (an out-of-memory error, an index out of bounds, a null pointer) and never a hang.
 *
 * <p>Each case is made from its own seed (printed when it fails), so a failure is replayed exactly: keep its seed
 * among the reader's regression seeds. The time per reader is {@value #DEFAULT_SECONDS} s, or
 * {@code -Dsimforge.fuzz.seconds=N} (the {@code fuzz} Maven profile sets it for long runs).
 */
public final class Fuzzer {
    public static final long DEFAULT_SECONDS = 3;
    private static final Duration HANG = Duration.ofSeconds(10);

    /** Reads one file, as the reader under test does. */
    @FunctionalInterface
    public interface Reader {
        void read(Path file) throws Exception;
    }

    /** What one run did. */
    public record Outcome(long cases, long read, long refused) {
        @Override
        public String toString() {
            return cases + " cases: " + read + " read, " + refused + " refused";
        }
    }

    private final String name;
    private final List<byte[]> seeds = new ArrayList<>();
    private final Path dir;
    private final Predicate<Throwable> refusal;
    private final Reader reader;
    private final String fileName;

    /**
     * @param name the reader, as failures name it
     * @param dir a scratch folder
     * @param fileName the name damaged files get (some readers look at it, e.g. {@code manifest.json})
     * @param refusal whether a thrown exception is the reader's documented refusal (its message is also checked to
     *     name the file)
     */
    public Fuzzer(String name, Path dir, String fileName, Predicate<Throwable> refusal, Reader reader) {
        this.name = name;
        this.dir = dir;
        this.fileName = fileName;
        this.refusal = refusal;
        this.reader = reader;
    }

    /** Adds a valid file to damage. */
    public Fuzzer seed(byte[] bytes) {
        seeds.add(bytes.clone());
        return this;
    }

    public Fuzzer seed(Path file) throws IOException {
        return seed(Files.readAllBytes(file));
    }

    /** Random cases run whatever the time budget. */
    static final int MIN_CASES = 200;

    /** The configured time per reader. */
    public static Duration budget() {
        return Duration.ofSeconds(Long.getLong("simforge.fuzz.seconds", DEFAULT_SECONDS));
    }

    /**
     * Runs the seeds' undamaged files (each must read), the regression cases, then random cases (at least
     * {@link #MIN_CASES}) until the budget is spent.
     */
    public Outcome run(long... regressionSeeds) throws Exception {
        if (seeds.isEmpty()) {
            throw new IllegalStateException("no seed files for " + name);
        }
        ExecutorService worker = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "fuzz-" + name);
            t.setDaemon(true);
            return t;
        });
        try {
            for (int i = 0; i < seeds.size(); i++) {
                Path file = write("valid-" + i, seeds.get(i));
                try {
                    call(worker, file);
                } catch (Throwable t) {
                    fail(name + ": seed file " + i + " is valid but was refused: " + t, t);
                }
            }
            long[] counts = new long[3];
            for (long s : regressionSeeds) {
                one(worker, s, counts);
            }
            long end = System.nanoTime() + budget().toNanos();
            Random seedSource = new Random();
            // At least MIN_CASES random cases however slow the machine: a loaded CI runner must not turn the
            // budget into a handful of cases (and a test that sees only refusals).
            for (long random = 0; System.nanoTime() < end || random < MIN_CASES; random++) {
                one(worker, seedSource.nextLong(), counts);
            }
            Outcome o = new Outcome(counts[0], counts[1], counts[2]);
            System.out.println("fuzz " + name + " for " + budget().toSeconds() + " s: " + o);
            return o;
        } finally {
            worker.shutdownNow();
        }
    }

    private void one(ExecutorService worker, long seed, long[] counts) throws Exception {
        Random r = new Random(seed);
        byte[] bytes = mutate(seeds.get(r.nextInt(seeds.size())), r);
        Path file = write("case", bytes);
        counts[0]++;
        try {
            call(worker, file);
            counts[1]++;
        } catch (TimeoutException e) {
            worker.shutdownNow();
            fail(name + " hangs (over " + HANG.toSeconds() + " s) on the case of seed " + seed + "L");
        } catch (Throwable t) {
            if (!refusal.test(t)) {
                fail(name + " threw " + t + " on the case of seed " + seed + "L; keep that seed as a regression case",
                        t);
            }
            String message = String.valueOf(t.getMessage());
            if (!message.contains(file.getFileName().toString())) {
                fail(name + " refused the case of seed " + seed + "L without naming the file: " + message, t);
            }
            counts[2]++;
        }
    }

    private void call(ExecutorService worker, Path file) throws Throwable {
        Future<?> f = worker.submit(() -> {
            reader.read(file);
            return null;
        });
        try {
            f.get(HANG.toMillis(), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            throw e.getCause();
        }
    }

    private Path write(String stem, byte[] bytes) throws IOException {
        Path sub = dir.resolve(name.replaceAll("[^A-Za-z0-9]", "_") + "-" + stem);
        Files.createDirectories(sub);
        return Files.write(sub.resolve(fileName), bytes);
    }

    /** One damaged copy of {@code seed}: one to three damages of the kinds the class comment lists. */
    public static byte[] mutate(byte[] seed, Random r) {
        byte[] b = seed.clone();
        for (int round = 1 + r.nextInt(3); round > 0; round--) {
            if (b.length == 0) {
                b = new byte[] {(byte) r.nextInt(256)};
            }
            switch (r.nextInt(8)) {
                case 0 -> b = Arrays.copyOf(b, r.nextInt(b.length)); // truncated
                case 1 -> b[r.nextInt(b.length)] ^= (byte) (1 << r.nextInt(8)); // a bit flipped
                case 2 -> b[r.nextInt(b.length)] = (byte) interesting(r); // a byte overwritten
                case 3 -> { // a stretch overwritten
                    int at = r.nextInt(b.length);
                    for (int i = at; i < Math.min(b.length, at + 1 + r.nextInt(16)); i++) {
                        b[i] = (byte) r.nextInt(256);
                    }
                }
                case 4 -> { // bytes inserted
                    int at = r.nextInt(b.length + 1);
                    byte[] extra = new byte[1 + r.nextInt(8)];
                    r.nextBytes(extra);
                    b = splice(b, at, 0, extra);
                }
                case 5 -> { // bytes deleted
                    int at = r.nextInt(b.length);
                    b = splice(b, at, Math.min(b.length - at, 1 + r.nextInt(8)), new byte[0]);
                }
                case 6 -> { // a stretch repeated
                    int at = r.nextInt(b.length);
                    int len = Math.min(b.length - at, 1 + r.nextInt(32));
                    b = splice(b, at, 0, Arrays.copyOfRange(b, at, at + len));
                }
                default -> { // a 4-byte big-endian or little-endian number set to an extreme
                    if (b.length >= 4) {
                        int at = r.nextInt(b.length - 3);
                        int v = switch (r.nextInt(4)) {
                            case 0 -> Integer.MAX_VALUE;
                            case 1 -> -1;
                            case 2 -> Integer.MIN_VALUE;
                            default -> 1 << (16 + r.nextInt(15));
                        };
                        boolean big = r.nextBoolean();
                        for (int i = 0; i < 4; i++) {
                            b[at + i] = (byte) (big ? v >>> (24 - 8 * i) : v >>> (8 * i));
                        }
                    }
                }
            }
        }
        return b;
    }

    private static int interesting(Random r) {
        int[] values = {0, 0xff, 0x7f, 0x80, '"', '{', '}', ',', ':', '9', '-', '\n'};
        return values[r.nextInt(values.length)];
    }

    private static byte[] splice(byte[] b, int at, int remove, byte[] insert) {
        byte[] out = new byte[b.length - remove + insert.length];
        System.arraycopy(b, 0, out, 0, at);
        System.arraycopy(insert, 0, out, at, insert.length);
        System.arraycopy(b, at + remove, out, at + insert.length, b.length - at - remove);
        return out;
    }
}
