package io.simforge.export;

import ai.onnx.proto.OnnxMl;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * The checksum an exported model carries in {@code simforge.weights_sha256}: SHA-256 over every
 * initialiser's name and data bytes, in graph order, whether the bytes sit in the file or in its external
 * data file. {@code simforge verify} recomputes it.
 */
public final class WeightChecksum {
    private WeightChecksum() {}

    /**
     * @param dir the folder of the .onnx file, to read external data from (null when all data is inline)
     */
    public static String of(List<OnnxMl.TensorProto> initializers, Path dir) {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        for (OnnxMl.TensorProto t : initializers) {
            md.update(t.getName().getBytes(StandardCharsets.UTF_8));
            md.update((byte) 0);
            if (t.getDataLocation() == OnnxMl.TensorProto.DataLocation.EXTERNAL) {
                md.update(external(t, dir));
            } else {
                md.update(t.getRawData().asReadOnlyByteBuffer());
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }

    private static byte[] external(OnnxMl.TensorProto t, Path dir) {
        String location = null;
        long offset = 0;
        long length = -1;
        for (OnnxMl.StringStringEntryProto e : t.getExternalDataList()) {
            switch (e.getKey()) {
                case "location" -> location = e.getValue();
                case "offset" -> offset = Long.parseLong(e.getValue());
                case "length" -> length = Long.parseLong(e.getValue());
                default -> { }
            }
        }
        if (dir == null || location == null || length < 0) {
            throw new IllegalArgumentException("initialiser " + t.getName() + " points to external data that cannot be read");
        }
        Path file = dir.resolve(location);
        try (InputStream in = Files.newInputStream(file)) {
            in.skipNBytes(offset);
            byte[] b = in.readNBytes((int) length);
            if (b.length != length) {
                throw new IOException(file + " is shorter than the model says (truncated external data)");
            }
            return b;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the external weights of " + t.getName() + ": " + e.getMessage(), e);
        }
    }
}
