package io.simforge.datasets;

import io.simforge.core.format.Format;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Where a run's evaluated items came from: enough to reload the same images in the same order (for the
 * report's retrieval examples) and to name the classes. {@code data} is {@code "bundled"} or an IDX folder;
 * {@code classNames} maps a label to its name ({@code null}: labels are shown as numbers).
 */
public record EvalSource(String data, String split, List<Integer> classes, Map<Integer, String> classNames) {
    public static final Format FORMAT = Format.of("simforge-eval-source", 1);

    public static EvalSource of(String data, String split, List<Integer> classes, Map<Integer, String> classNames) {
        return new EvalSource(data, split, List.copyOf(classes), classNames);
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
