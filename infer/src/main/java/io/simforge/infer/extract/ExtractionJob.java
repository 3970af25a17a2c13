package io.simforge.infer.extract;

import io.simforge.core.error.SimforgeException;
import io.simforge.core.format.Format;
import io.simforge.core.format.FormatException;
import io.simforge.core.io.AtomicFiles;
import io.simforge.core.io.Npy;
import io.simforge.infer.Embedder;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.IntStream;
import java.util.stream.Stream;

/**
 * Embeds every item of a source into one folder: {@code embeddings.npy} (rows × embedding size, float32),
 * {@code ids.txt} (one id per row, same order), {@code labels.npy} and {@code classes.txt} when the source
 * has labels, {@code rejects.tsv} (items that could not be read, and why) and {@code extraction.json}
 * (what was done, {@link #FORMAT}).
 *
 * <p>Work is committed in chunks: each chunk's rows, ids and rejects are written atomically under
 * {@code .parts/} (with {@code manifest.json}, the job being done, also {@link #FORMAT}), then a marker
 * ({@code chunk-N.done}, format {@code simforge-extraction-chunk}) commits the chunk. Run again with the same
 * model and input after an interruption and it skips committed chunks, redoes the one in flight and assembles
 * the same files an uninterrupted run writes — no row lost or duplicated. A different model or input in the same folder is
 * refused, unless none of its chunks was committed yet: then it is replaced. While one batch runs in ONNX Runtime
 * the next is decoded on other threads.
 *
 * <p>Failing early, leaving nothing behind: before it writes anything the job embeds its first readable item, so a
 * model that does not fit the items (channels, size) fails with the folder untouched. A job that fails before its
 * first chunk is committed removes what it wrote (and the folder, if it made it); after that, the folder holds the
 * committed chunks and the same command resumes. An item whose input has a NaN or infinite value is a reject; a NaN
 * or infinite embedding from finite input means the model is damaged, and stops the job ({@code EmbedderException}).
 * Every failure is a {@link SimforgeException}.
 */
public final class ExtractionJob {
    /** {@code extraction.json} and {@code .parts/manifest.json}: a {@link Summary} after the header. */
    public static final Format FORMAT = Format.of("simforge-extraction", 1);
    /**
     * A chunk's marker: its rows and rejects after the header. Only its presence is read, so the plain-text markers
     * of jobs interrupted before markers had the header still count.
     */
    private static final Format CHUNK_MARKER = Format.of("simforge-extraction-chunk", 1);

    /** Progress: items handled so far (embedded or rejected) out of all, and whether they came from a resumed chunk. */
    @FunctionalInterface
    public interface Listener {
        void onProgress(long done, long total, boolean resumed);
    }

    /** What a finished job wrote (rows and rejects -1 in the manifest of a job under way). */
    public record Summary(long items, long rows, long rejects, int embeddingSize, int chunkSize, String modelSha256,
            String idsSha256, boolean labelled) {}

    /** What a chunk's marker holds. */
    private record ChunkMarker(int rows, int rejects) {}

    private final Embedder embedder;
    private final ItemSource source;
    private final Path dir;
    private final int chunkSize;
    private final boolean strict;
    private final Listener listener;
    private final Path modelFile;
    /** Set when chunks start being embedded: a failure after it may leave committed chunks to resume. */
    private boolean chunksStarted;

    private ExtractionJob(Builder b) {
        embedder = b.embedder;
        source = b.source;
        dir = b.dir;
        chunkSize = b.chunkSize;
        strict = b.strict;
        listener = b.listener;
        modelFile = b.modelFile;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** {@code set…} for what a job needs, {@code opt…} for the rest; {@link #build()} checks them. */
    public static final class Builder {
        private Embedder embedder;
        private Path modelFile;
        private ItemSource source;
        private Path dir;
        private int chunkSize = 2048;
        private boolean strict;
        private Listener listener = (done, total, resumed) -> {};

        private Builder() {}

        /** The embedder, and the model file it was opened from (its checksum ties a resumed job to it). */
        public Builder setEmbedder(Embedder embedder, Path modelFile) {
            this.embedder = embedder;
            this.modelFile = modelFile;
            return this;
        }

        public Builder setSource(ItemSource source) {
            this.source = source;
            return this;
        }

        public Builder setOutput(Path dir) {
            this.dir = dir;
            return this;
        }

        /** Items per committed chunk (default 2048): the most work an interruption can cost. */
        public Builder optChunkSize(int chunkSize) {
            this.chunkSize = chunkSize;
            return this;
        }

        /** Stop at the first unreadable item instead of listing it in rejects.tsv. */
        public Builder optStrict(boolean strict) {
            this.strict = strict;
            return this;
        }

        public Builder optListener(Listener listener) {
            this.listener = listener;
            return this;
        }

        public ExtractionJob build() {
            if (embedder == null || modelFile == null || source == null || dir == null) {
                throw new IllegalArgumentException("an extraction needs an embedder and its model file, a source and an "
                        + "output folder");
            }
            if (chunkSize <= 0) {
                throw new IllegalArgumentException("chunk size must be positive, got " + chunkSize);
            }
            return new ExtractionJob(this);
        }
    }

    public Path summaryFile() {
        return dir.resolve("extraction.json");
    }

    private Path parts() {
        return dir.resolve(".parts");
    }

    private Path part(int chunk, String suffix) {
        return parts().resolve(String.format("chunk-%06d%s", chunk, suffix));
    }

    /**
     * Runs (or resumes, or recognises as finished) the job.
     *
     * @throws SimforgeException when the job cannot be done; the folder is then as it was, or holds committed chunks
     *     that the same command resumes
     */
    public Summary run() {
        boolean dirExisted = Files.isDirectory(dir);
        boolean partsExisted = Files.isDirectory(parts());
        try {
            return runOrResume();
        } catch (IOException | RuntimeException e) {
            boolean committed = false;
            try {
                committed = committedChunks() > 0;
                if (!committed && !partsExisted) {
                    deleteTree(parts());
                    if (!dirExisted) {
                        deleteTree(dir);
                    }
                }
            } catch (IOException cleanup) {
                e.addSuppressed(cleanup);
            }
            String resume = committed && chunksStarted ? " (" + committedChunksOrZero() + " committed chunk(s) are kept in " + parts()
                    + ": run the same command again to resume)" : "";
            if (e instanceof IOException io) {
                SimforgeException s = SimforgeException.of(io);
                throw resume.isEmpty() ? s : new ExtractionException(s.getMessage() + resume, io);
            }
            if (!resume.isEmpty() && e instanceof SimforgeException s) {
                throw new ExtractionException(s.getMessage() + resume, s);
            }
            throw (RuntimeException) e;
        }
    }

    private long committedChunks() throws IOException {
        if (!Files.isDirectory(parts())) {
            return 0;
        }
        try (Stream<Path> files = Files.list(parts())) {
            return files.filter(p -> p.getFileName().toString().endsWith(".done")).count();
        }
    }

    private long committedChunksOrZero() {
        try {
            return committedChunks();
        } catch (IOException e) {
            return 0;
        }
    }

    private static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(p)) {
            for (Path f : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(f);
            }
        }
    }

    private Summary runOrResume() throws IOException {
        int n = source.size();
        int dim = embedder.embeddingSize();
        String modelHash = sha256(modelFile);
        String idsHash = idsHash();
        boolean labelled = n > 0 && IntStream.range(0, n).allMatch(i -> source.label(i) >= 0);
        Summary planned = new Summary(n, -1, -1, dim, chunkSize, modelHash, idsHash, labelled);
        Path manifest = parts().resolve("manifest.json");
        if (Files.isRegularFile(summaryFile()) && !Files.isDirectory(parts())) {
            Summary done = readSummary(summaryFile(), "delete " + dir + " and run again");
            if (sameJob(done, planned)) {
                listener.onProgress(n, n, true);
                return done; // already complete
            }
            throw new ExtractionException(dir + " already holds an extraction of another model or input; choose another "
                    + "output folder or delete it");
        }
        probe();
        if (Files.isRegularFile(manifest)) {
            Summary started = readSummary(manifest, "delete " + parts() + " and run again");
            if (!sameJob(started, planned)) {
                if (committedChunks() > 0) {
                    throw new ExtractionException(dir + " holds an interrupted extraction of another model, input or "
                            + "chunk size, with " + committedChunks() + " chunk(s) committed; resume it with its own "
                            + "command, delete " + parts() + " to start this one over, or choose another output folder");
                }
                System.getLogger(ExtractionJob.class.getName()).log(System.Logger.Level.INFO, parts() + " held an "
                        + "extraction of another model or input with no chunk committed; starting this one instead");
                deleteTree(parts());
            }
        }
        if (!Files.isRegularFile(manifest)) {
            Files.createDirectories(parts());
            FORMAT.write(manifest, planned);
        }
        int chunks = (n + chunkSize - 1) / chunkSize;
        long handled = 0;
        chunksStarted = true;
        for (int c = 0; c < chunks; c++) {
            int from = c * chunkSize;
            int to = Math.min(n, from + chunkSize);
            if (Files.isRegularFile(part(c, ".done"))) {
                handled += to - from;
                listener.onProgress(handled, n, true);
                continue;
            }
            long before = handled;
            runChunk(c, from, to, dim, done -> listener.onProgress(before + done, n, false));
            handled += to - from;
        }
        return assemble(planned, chunks, dim);
    }

    /**
     * Embeds the first item that loads, before anything is written: a model that does not fit the items fails here,
     * leaving the output folder as it was. When none of the first batch's items loads, the input itself is wrong (a
     * model for other images, a folder of other files) and the job stops too.
     */
    private void probe() {
        int itemSize = embedder.settings().itemSize();
        float[] input = new float[itemSize];
        int window = Math.min(source.size(), Math.max(1, embedder.batchSize()));
        String firstError = null;
        for (int i = 0; i < window; i++) {
            try {
                source.load(i, input, 0);
            } catch (IOException | RuntimeException e) {
                if (firstError == null) {
                    firstError = source.id(i) + ": " + (e.getMessage() == null ? e.toString() : e.getMessage());
                }
                continue; // a reject, unless none loads
            }
            if (!allFinite(input)) {
                continue;
            }
            try {
                embedder.embed(input);
            } catch (SimforgeException e) {
                throw new ExtractionException("the model cannot embed the first item, " + source.id(i) + ": "
                        + e.getMessage() + " Nothing was written to " + dir + ".", e);
            }
            return;
        }
        if (firstError != null && !strict) {
            throw new ExtractionException("none of the first " + window + " items can be read for this model (the "
                    + "first: " + firstError + "); check that the input and the model belong together. Nothing was "
                    + "written to " + dir + ".");
        }
    }

    private static boolean allFinite(float[] values) {
        for (float v : values) {
            if (!Float.isFinite(v)) {
                return false;
            }
        }
        return true;
    }

    /**
     * Reads an {@code extraction.json} or a job's {@code .parts/manifest.json}, checked: its header, and values that
     * describe an extraction (counts not negative, sizes positive, both checksums present).
     *
     * @throws io.simforge.core.error.UnreadableFileException when the file is of another format, newer, or damaged
     * @throws io.simforge.core.error.SimforgeIOException when it cannot be read
     */
    public static Summary readSummary(Path file) {
        Summary s;
        try {
            s = FORMAT.read(file, Summary.class);
        } catch (IOException e) {
            throw SimforgeException.of(e);
        }
        if (s == null || s.items() < 0 || s.embeddingSize() <= 0 || s.chunkSize() <= 0 || s.modelSha256() == null
                || s.idsSha256() == null || s.rows() < -1 || s.rejects() < -1 || s.rows() > s.items()) {
            throw new io.simforge.core.error.UnreadableFileException(FormatException.damaged(file.toString(),
                    "its values do not describe an extraction (" + s + ")"));
        }
        return s;
    }

    /** As {@link #readSummary(Path)}; damage is reported with {@code fix}, the way to start over. */
    private static Summary readSummary(Path file, String fix) {
        try {
            return readSummary(file);
        } catch (io.simforge.core.error.UnreadableFileException e) {
            if (e.problem() != FormatException.Problem.DAMAGED) {
                throw e;
            }
            throw new ExtractionException(e.getMessage() + " (or " + fix + ")", e);
        }
    }

    private static boolean sameJob(Summary a, Summary b) {
        return a.items() == b.items() && a.embeddingSize() == b.embeddingSize()
                && a.chunkSize() == b.chunkSize() && a.modelSha256().equals(b.modelSha256())
                && a.idsSha256().equals(b.idsSha256());
    }

    /** Inputs of one batch: the rows that loaded, and the items that did not. */
    private record Batch(float[] inputs, int[] loaded, List<String> rejects) {}

    private Batch load(int from, int to, int itemSize) {
        int count = to - from;
        float[] inputs = new float[count * itemSize];
        String[] errors = new String[count];
        IntStream.range(0, count).parallel().forEach(j -> {
            try {
                source.load(from + j, inputs, j * itemSize);
                for (int v = 0; v < itemSize; v++) {
                    if (!Float.isFinite(inputs[j * itemSize + v])) {
                        errors[j] = "input value " + v + " is " + inputs[j * itemSize + v] + " (not a finite number)";
                        break;
                    }
                }
            } catch (IOException | RuntimeException e) {
                errors[j] = e.getMessage() == null ? e.toString() : e.getMessage();
            }
        });
        int[] ok = IntStream.range(0, count).filter(j -> errors[j] == null).toArray();
        List<String> rejects = new ArrayList<>();
        for (int j = 0; j < count; j++) {
            if (errors[j] != null) {
                if (strict) {
                    throw new ExtractionException("cannot read item " + source.id(from + j) + ": " + errors[j]
                            + " (without --strict it would be listed in rejects.tsv and skipped)");
                }
                rejects.add(clean(source.id(from + j)) + "\t" + clean(errors[j]));
            }
        }
        if (ok.length < count) { // close the gaps left by rejects
            float[] packed = new float[ok.length * itemSize];
            for (int r = 0; r < ok.length; r++) {
                System.arraycopy(inputs, ok[r] * itemSize, packed, r * itemSize, itemSize);
            }
            return new Batch(packed, IntStream.of(ok).map(j -> from + j).toArray(), rejects);
        }
        return new Batch(inputs, IntStream.range(from, to).toArray(), rejects);
    }

    private void runChunk(int chunk, int from, int to, int dim, java.util.function.IntConsumer progress)
            throws IOException {
        int itemSize = embedder.settings().itemSize();
        int batch = Math.max(1, embedder.batchSize());
        float[] rows = new float[(to - from) * dim];
        int filled = 0;
        List<String> ids = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
        List<String> rejects = new ArrayList<>();
        CompletableFuture<Batch> next = CompletableFuture.supplyAsync(() -> load(from, Math.min(to, from + batch), itemSize));
        for (int start = from; start < to; start += batch) {
            Batch current = join(next);
            int nextStart = start + batch;
            next = nextStart < to
                    ? CompletableFuture.supplyAsync(() -> load(nextStart, Math.min(to, nextStart + batch), itemSize))
                    : null;
            if (current.loaded().length > 0) {
                float[] e = embedder.embed(current.inputs());
                System.arraycopy(e, 0, rows, filled * dim, e.length);
                filled += current.loaded().length;
                for (int i : current.loaded()) {
                    ids.add(clean(source.id(i)));
                    labels.add(source.label(i));
                }
            }
            rejects.addAll(current.rejects());
            progress.accept(Math.min(to, start + batch) - from);
        }
        Npy.writeFloats(part(chunk, ".npy"), java.util.Arrays.copyOf(rows, filled * dim), filled, dim);
        StringBuilder idText = new StringBuilder();
        for (int i = 0; i < ids.size(); i++) {
            idText.append(labels.get(i)).append('\t').append(ids.get(i)).append('\n');
        }
        AtomicFiles.writeString(part(chunk, ".ids.tsv"), idText.toString());
        AtomicFiles.writeString(part(chunk, ".rejects.tsv"), rejects.isEmpty() ? "" : String.join("\n", rejects) + "\n");
        // The marker commits the chunk: written last, so a chunk without it is redone on resume.
        CHUNK_MARKER.write(part(chunk, ".done"), new ChunkMarker(filled, rejects.size()));
    }

    private static Batch join(CompletableFuture<Batch> f) {
        try {
            return f.join();
        } catch (java.util.concurrent.CompletionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw e;
        }
    }

    /** Joins the committed chunks into the final files, streaming, so the output may exceed memory. */
    private Summary assemble(Summary planned, int chunks, int dim) throws IOException {
        long rows = 0;
        long rejects = 0;
        for (int c = 0; c < chunks; c++) {
            rows += Npy.readShape(part(c, ".npy"))[0];
            try (Stream<String> lines = Files.lines(part(c, ".rejects.tsv"), StandardCharsets.UTF_8)) {
                rejects += lines.filter(l -> !l.isEmpty()).count();
            }
        }
        long total = rows;
        AtomicFiles.write(dir.resolve("embeddings.npy"), out -> {
            Npy.writeFloatHeader(out, total, dim);
            for (int c = 0; c < chunks; c++) {
                Path p = part(c, ".npy");
                try (InputStream in = Files.newInputStream(p)) {
                    in.skipNBytes(Npy.dataOffset(p));
                    in.transferTo(out);
                }
            }
        });
        long[] idCount = {0};
        AtomicFiles.write(dir.resolve("ids.txt"), out -> {
            BufferedWriter w = new BufferedWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8));
            for (int c = 0; c < chunks; c++) {
                try (Stream<String> lines = Files.lines(part(c, ".ids.tsv"), StandardCharsets.UTF_8)) {
                    for (String line : (Iterable<String>) lines.filter(l -> !l.isEmpty())::iterator) {
                        w.write(line.substring(line.indexOf('\t') + 1));
                        w.write('\n');
                        idCount[0]++;
                    }
                }
            }
            w.flush();
        });
        if (idCount[0] != rows) {
            throw new ExtractionException("the parts under " + parts() + " disagree (" + rows + " rows, " + idCount[0]
                    + " ids); delete " + dir + " and run again");
        }
        if (planned.labelled()) {
            AtomicFiles.write(dir.resolve("labels.npy"), out -> {
                Npy.writeIntHeader(out, total);
                java.io.DataOutputStream data = new java.io.DataOutputStream(new java.io.BufferedOutputStream(out));
                for (int c = 0; c < chunks; c++) {
                    try (Stream<String> lines = Files.lines(part(c, ".ids.tsv"), StandardCharsets.UTF_8)) {
                        for (String line : (Iterable<String>) lines.filter(l -> !l.isEmpty())::iterator) {
                            data.writeInt(Integer.reverseBytes(Integer.parseInt(line.substring(0, line.indexOf('\t')))));
                        }
                    }
                }
                data.flush();
            });
            if (!source.classNames().isEmpty()) {
                AtomicFiles.writeString(dir.resolve("classes.txt"), String.join("\n", source.classNames()) + "\n");
            }
        }
        AtomicFiles.write(dir.resolve("rejects.tsv"), out -> {
            out.write("id\treason\n".getBytes(StandardCharsets.UTF_8));
            for (int c = 0; c < chunks; c++) {
                Files.copy(part(c, ".rejects.tsv"), out);
            }
        });
        Summary done = new Summary(planned.items(), rows, rejects, dim, chunkSize,
                planned.modelSha256(), planned.idsSha256(), planned.labelled());
        FORMAT.write(summaryFile(), done);
        try (Stream<Path> walk = Files.walk(parts())) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
        return done;
    }

    private String idsHash() {
        MessageDigest md = sha();
        for (int i = 0; i < source.size(); i++) {
            md.update(source.id(i).getBytes(StandardCharsets.UTF_8));
            md.update((byte) '\n');
        }
        return HexFormat.of().formatHex(md.digest());
    }

    static String sha256(Path file) throws IOException {
        MessageDigest md = sha();
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buf = new byte[1 << 16];
            for (int r; (r = in.read(buf)) > 0; ) {
                md.update(buf, 0, r);
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }

    private static MessageDigest sha() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Ids and reasons live in tab-separated lines: tabs and line breaks inside them become spaces. */
    private static String clean(String s) {
        return s.replace('\t', ' ').replace('\n', ' ').replace('\r', ' ');
    }
}
