package io.simforge.datasets;

import io.simforge.core.io.Npy;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Class labels that come with ready-made embeddings or feature vectors: an int {@code .npy}, or text, one per line. */
public final class Labels {
    private Labels() {}

    /**
     * Reads labels and checks there is one per row of {@code of}.
     *
     * @param expected rows of the file they label
     * @param of that file, for messages
     */
    public static int[] read(Path file, int expected, Path of) throws IOException {
        int[] y;
        if (file.getFileName().toString().endsWith(".npy")) {
            y = Npy.readInts(file);
        } else {
            List<String> lines = Files.readAllLines(file).stream().map(String::trim).filter(s -> !s.isEmpty()).toList();
            y = new int[lines.size()];
            for (int i = 0; i < y.length; i++) {
                try {
                    y[i] = Integer.parseInt(lines.get(i));
                } catch (NumberFormatException e) {
                    throw new IOException(file + " line " + (i + 1) + ": '" + lines.get(i) + "' is not a whole number; "
                            + "labels must be integers, one per line");
                }
            }
        }
        if (y.length != expected) {
            throw new IOException(file + " holds " + y.length + " labels but " + of + " has " + expected + " rows");
        }
        return y;
    }
}
