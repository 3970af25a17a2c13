package io.simforge.datasets;

import io.simforge.core.format.Format;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Where a run's evaluated items came from: enough to reload the same images in the same order (for the
 * report's retrieval examples) and to name the classes. Either IDX data — {@code data} is {@code "bundled"} or an
 * IDX folder, with its {@code split} and {@code classes} — or image files under {@code imageRoot}, in the order of
 * the extraction's {@code ids.txt} beside this file. {@code classNames} maps a label to its name ({@code null}:
 * labels are shown as numbers).
 *
 * <p>Version 2 added image files ({@code imageRoot}); version 1 files (IDX data only) still load.
 */
public record EvalSource(String data, String split, List<Integer> classes, Map<Integer, String> classNames,
        String imageRoot) {
    public static final Format FORMAT = Format.of("simforge-eval-source", 2);

    /** IDX data. */
    public static EvalSource of(String data, String split, List<Integer> classes, Map<Integer, String> classNames) {
        return new EvalSource(data, split, List.copyOf(classes), classNames, null);
    }

    /** Image files under {@code root}, in the order of the extraction's {@code ids.txt}. */
    public static EvalSource imageFiles(Path root, Map<Integer, String> classNames) {
        return new EvalSource(null, null, List.of(), classNames, root.toAbsolutePath().toString());
    }

    /** Whether the items are image files (else IDX data). */
    public boolean isImageFiles() {
        return imageRoot != null;
    }

    public void write(Path file) throws IOException {
        FORMAT.write(file, this);
    }

    /** @throws io.simforge.core.format.FormatException when the file is of another format, or newer */
    public static EvalSource read(Path file) throws IOException {
        return FORMAT.read(file, EvalSource.class);
    }

    /** The name of class {@code label}, or "class N" when unknown. */
    public String className(int label) {
        String name = classNames == null ? null : classNames.get(label);
        return name != null ? name : "class " + label;
    }
}
