package io.simforge.cli;

import io.simforge.datasets.ImageDataset;
import io.simforge.cli.ProgressBar;
import io.simforge.core.model.Preprocessing;
import io.simforge.infer.Embedder;
import io.simforge.infer.ExecutionDevice;
import io.simforge.infer.extract.ExtractionJob;
import io.simforge.infer.extract.ItemSource;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Batch feature extraction: images → embeddings.npy + ids.txt, resumable. */
@Command(name = "embed", mixinStandardHelpOptions = true,
        description = {"Embed a folder of images (root/<class>/<image> or any tree), a list file, or an IDX dataset with an "
                + "exported model, writing embeddings.npy (NumPy), ids.txt (same order), labels.npy and classes.txt "
                + "when classes are known, rejects.tsv (unreadable images) and extraction.json.",
            "Work is committed in chunks: run the same command again after an interruption and it resumes."})
final class EmbedCommand implements Callable<Integer> {
    @Option(names = {"-m", "--model"}, required = true, description = "The .onnx model.")
    Path model;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Input input;

    static final class Input {
        @Option(names = "--images", description = "A folder of images, searched recursively.")
        Path folder;

        @Option(names = "--list", description = "A list file: one image path per line (relative to the list), "
                + "optionally followed by a tab or comma and an integer label.")
        Path list;

        @Option(names = "--data", paramLabel = "DIR|bundled", description = "An IDX dataset folder, or 'bundled'.")
        String data;

        @Option(names = "--layout", paramLabel = "cub|cars|sop|inshop", description = "A benchmark in its distributed "
                + "layout under --root (see docs/datasets.md).")
        String layout;
    }

    @Option(names = "--root", description = "With --layout: the dataset's folder.")
    Path root;

    @Option(names = "--split", description = "With --data: the IDX file prefix (default t10k); with --layout: train or "
            + "test (In-Shop: train, query or gallery; default test, In-Shop query).")
    String split;

    @Option(names = "--classes", description = "With --data: only these classes, e.g. 5-9.")
    String classes;

    @Option(names = {"-o", "--out"}, required = true, description = "Output folder.")
    Path out;

    @Option(names = "--batch-size", defaultValue = "64", description = "Images per ONNX Runtime call (default 64).")
    int batchSize;

    @Option(names = "--threads", defaultValue = "0", description = "ONNX Runtime threads (default: all cores).")
    int threads;

    @Option(names = "--device", defaultValue = "cpu", description = "cpu, or cuda / cuda:N (falls back to the CPU).")
    String device;

    @Option(names = "--chunk", defaultValue = "2048", description = "Items per committed chunk (default 2048).")
    int chunk;

    @Option(names = "--strict", description = "Stop at the first unreadable image instead of listing it in rejects.tsv.")
    boolean strict;

    @Override
    public Integer call() throws Exception {
        try (Embedder embedder = Embedder.builder().setModelPath(model).optBatchSize(batchSize).optThreads(threads)
                .optDevice(ExecutionDevice.parse(device)).build()) {
            Preprocessing pre = embedder.metadata().preprocessing();
            if (pre == null) {
                throw new IllegalArgumentException(model + " takes feature vectors, not images; `simforge embed` reads images");
            }
            ItemSource source = input.folder != null ? ItemSource.folder(input.folder, embedder.imagePreprocessor())
                    : input.list != null ? ItemSource.listFile(input.list, embedder.imagePreprocessor())
                    : input.layout != null ? ItemSource.imageList(DataOptions.layoutSplit(input.layout, root, split),
                            embedder.imagePreprocessor())
                    : dataset(pre, embedder.metadata().inputKind() == io.simforge.core.model.ModelMetadata.InputKind.IMAGE_UINT8);
            System.out.printf(Locale.ROOT, "Embedding %d items with %s on %s into %s%n", source.size(), model,
                    embedder.device(), out);
            long t0 = System.nanoTime();
            ExtractionJob.Summary s;
            try (ProgressBar bar = new ProgressBar(System.out, "embed", source.size(), "img")) {
                s = ExtractionJob.builder().setEmbedder(embedder, model).setSource(source).setOutput(out)
                        .optChunkSize(chunk).optStrict(strict)
                        .optListener((done, total, resumed) -> bar.update(done, resumed ? "resumed" : "")).build().run();
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            System.out.printf(Locale.ROOT, "Wrote %d embeddings of %d dimensions (%d unreadable, listed in %s) in %.1f s%n",
                    s.rows(), s.embeddingSize(), s.rejects(), out.resolve("rejects.tsv"), seconds);
        }
        return 0;
    }

    /** @param raw the model takes 8-bit pixels: give it the pixel values, not normalised ones */
    private ItemSource dataset(Preprocessing pre, boolean raw) {
        ImageDataset all = DataOptions.load(input.data, split != null ? split : "t10k");
        ImageDataset d = classes == null ? all : all.withClasses(DataOptions.parseClasses(classes));
        List<String> names = "bundled".equals(input.data)
                ? io.simforge.datasets.FashionMnist.CLASS_NAMES : List.of();
        return new ItemSource() {
            @Override
            public int size() {
                return d.size();
            }

            @Override
            public String id(int i) {
                return Integer.toString(i);
            }

            @Override
            public int label(int i) {
                return d.label(i);
            }

            @Override
            public List<String> classNames() {
                return names;
            }

            @Override
            public void load(int i, float[] out, int offset) {
                if (raw) {
                    d.copyPixels(i, out, offset);
                } else {
                    d.inputs(pre, i, 1, out, offset);
                }
            }
        };
    }
}
