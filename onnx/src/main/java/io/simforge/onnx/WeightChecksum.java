package io.simforge.onnx;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * The checksum an exported model carries in {@code simforge.weights_sha256}: SHA-256 over every initialiser's
 * name, a zero byte and its raw data bytes, in graph order, whether the bytes sit in the file or in its external
 * data file. {@code simforge verify} recomputes it. Models exported before this class moved here verify unchanged.
 */
public final class WeightChecksum {
    private WeightChecksum() {}

    /**
     * @param dir the folder of the .onnx file, to read external data from (null when all data is inline)
     * @throws IOException when external data is missing, truncated or damaged
     */
    public static String of(List<TensorProto> initializers, Path dir) throws IOException {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        for (TensorProto t : initializers) {
            md.update(t.name().getBytes(StandardCharsets.UTF_8));
            md.update((byte) 0);
            if (t.isExternal()) {
                if (dir == null) {
                    throw new IOException("initialiser " + t.name() + " points to external data that cannot be read "
                            + "(no model folder given)");
                }
                md.update(ExternalData.read(t, dir));
            } else {
                md.update(t.rawData()); // typed fields are not covered, as before: exports use raw data only
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }
}
