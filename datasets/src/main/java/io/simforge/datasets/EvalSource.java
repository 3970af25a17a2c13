package io.simforge.datasets;

import io.simforge.core.io.Json;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Where a run's evaluated items came from: enough to reload the same images in the same order (for the
 * report's retrieval examples) and to name the classes. {@code data} is {@code "bundled"} or an IDX folder;
 * {@code classNames} maps a label to its name ({@code null}: labels are shown as numbers).
 */
public record EvalSource(String format, int version, String data, String split, List<Integer> classes,
        Map<Integer, String> classNames) {
    public static final String FORMAT = "simforge-eval-source";
    public static final int VERSION = 1;

    public static EvalSource of(String data, String split, List<Integer> classes, Map<Integer, String> classNames) {
        return new EvalSource(FORMAT, VERSION, data, split, List.copyOf(classes), classNames);
    }

    public void write(Path file) throws IOException {
        Json.write(file, this);
    }

    public static EvalSource read(Path file) throws IOException {
        EvalSource s = Json.read(file, EvalSource.class);
        if (!FORMAT.equals(s.format())) {
            throw new IOException(file + " does not describe an evaluation source (format " + FORMAT + " expected)");
        }
        if (s.version() > VERSION) {
            throw new IOException(file + " has version " + s.version() + ", newer than this simforge reads (" + VERSION
                    + "); update simforge");
        }
        return s;
    }

    /** The name of class {@code label}, or "class N" when unknown. */
    public String className(int label) {
        String name = classNames == null ? null : classNames.get(label);
        return name != null ? name : "class " + label;
    }
}
