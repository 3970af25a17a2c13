package io.simforge.cli;

import io.simforge.datasets.DataSource;
import io.simforge.eval.ItemSources;
import io.simforge.infer.Embedder;
import io.simforge.infer.extract.ExtractionJob;
import io.simforge.infer.extract.ItemSource;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Batch feature extraction ({@link ExtractionJob}): images → embeddings.npy + ids.txt, resumable. */
@Command(name = "embed", mixinStandardHelpOptions = true,
        description = {"Embed a folder of images (root/<class>/<image> or any tree), a list file, a benchmark layout or "
                + "an IDX dataset with an ONNX embedding model (a simforge export, or any other with its settings: flags or a "
                + "settings file beside it), writing embeddings.npy (NumPy), ids.txt (same order), labels.npy "
                + "and classes.txt when classes are known, rejects.tsv (unreadable images) and extraction.json.",
            "Work is committed in chunks: run the same command again after an interruption and it resumes."})
final class EmbedCommand implements Callable<Integer> {
    @Option(names = {"-m", "--model"}, required = true, description = "The .onnx model.")
    Path model;

    @Mixin
    DataOptions data;

    @Option(names = "--classes", description = "With --data: only these classes, e.g. 5-9.")
    String classes;

    @Option(names = {"-o", "--out"}, required = true, description = "Output folder.")
    Path out;

    @Mixin
    RuntimeOptions runtime;

    @Mixin
    ModelSettingsOptions modelSettings;

    @Option(converter = Ranges.Positive.class, names = "--chunk", defaultValue = "2048", description = "Items per committed chunk (default 2048).")
    int chunk;

    @Option(names = "--strict", description = "Stop at the first unreadable image instead of listing it in rejects.tsv.")
    boolean strict;

    @Override
    public Integer call() throws Exception {
        if (!data.given()) {
            throw new IllegalArgumentException("name the images to embed: --images, --list, --layout with --root, or "
                    + "--data (IDX, or 'bundled')");
        }
        DataSource source = data.source();
        try (Embedder embedder = runtime.embedder(model, modelSettings)) {
            ItemSource items = ItemSources.of(source, classes, embedder);
            System.out.printf(Locale.ROOT, "Embedding %d items with %s on %s into %s%n", items.size(), model,
                    embedder.device(), out);
            long t0 = System.nanoTime();
            ExtractionJob.Summary s;
            try (ProgressBar bar = new ProgressBar(System.out, "embed", items.size(), "img")) {
                s = ExtractionJob.builder().setEmbedder(embedder, model).setSource(items).setOutput(out)
                        .optChunkSize(chunk).optStrict(strict)
                        .optListener((done, total, resumed) -> bar.update(done, resumed ? "resumed" : "")).build().run();
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            System.out.printf(Locale.ROOT, "Wrote %d embeddings of %d dimensions (%d unreadable, listed in %s) in %.1f s%n",
                    s.rows(), s.embeddingSize(), s.rejects(), out.resolve("rejects.tsv"), seconds);
        }
        return 0;
    }
}
