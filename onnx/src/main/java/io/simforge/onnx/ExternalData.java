package io.simforge.onnx;

import io.simforge.core.io.AtomicFiles;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * ONNX external data: tensors whose bytes live in a separate file beside the model, named by the tensor's
 * {@code external_data} entries {@code location} (a path relative to the model's folder), {@code offset} and
 * {@code length}. Models over 2 GiB need it, as one protobuf message cannot hold them.
 */
public final class ExternalData {
    /** Tensors smaller than this stay inline when the weights go external (the graph's small constants). */
    public static final int INLINE_BELOW_BYTES = 1024;
    /** Each tensor starts at a multiple of this in the data file, so runtimes can map it directly. */
    public static final int ALIGNMENT = 64;

    private ExternalData() {}

    /**
     * Where an external tensor's bytes are.
     *
     * @param location the data file, relative to the model's folder
     * @param offset the first byte
     * @param length the number of bytes, or -1 for "to the end of the file"
     */
    public record Location(String location, long offset, long length) {}

    /** Reads a tensor's {@code external_data} entries. */
    public static Location locationOf(TensorProto t) throws OnnxFormatException {
        String location = null;
        long offset = 0;
        long length = -1;
        for (StringStringEntryProto e : t.externalData()) {
            switch (e.key()) {
                case "location" -> location = e.value();
                case "offset" -> offset = number(t, e);
                case "length" -> length = number(t, e);
                default -> { } // "checksum" and keys of newer versions do not change where the data is
            }
        }
        if (location == null || location.isEmpty()) {
            throw new OnnxFormatException("tensor '" + t.name() + "' is marked as external data but names no file "
                    + "(no 'location'); the model is damaged");
        }
        return new Location(location, offset, length);
    }

    private static long number(TensorProto t, StringStringEntryProto e) throws OnnxFormatException {
        try {
            long v = Long.parseLong(e.value().trim());
            if (v < 0) {
                throw new NumberFormatException("negative");
            }
            return v;
        } catch (NumberFormatException x) {
            throw new OnnxFormatException("tensor '" + t.name() + "' has external data " + e.key() + " '" + e.value()
                    + "', not a byte count; the model is damaged");
        }
    }

    /**
     * Reads an external tensor's bytes (little-endian), checked against the data file's size.
     *
     * @param modelDir the folder of the .onnx file
     * @throws OnnxFormatException when the entries are damaged, point outside the model's folder, or past the end
     *     of the data file (a truncated copy)
     * @throws IOException when the data file is missing or unreadable
     */
    public static ByteBuffer read(TensorProto t, Path modelDir) throws IOException {
        Location where = locationOf(t);
        Path dir = modelDir.toAbsolutePath().normalize();
        Path data = dir.resolve(where.location()).normalize();
        if (Path.of(where.location()).isAbsolute() || !data.startsWith(dir)) {
            throw new OnnxFormatException("tensor '" + t.name() + "' points to external data outside the model's "
                    + "folder (" + where.location() + "); refusing to read it");
        }
        if (!Files.isRegularFile(data)) {
            throw new IOException("tensor '" + t.name() + "' keeps its data in " + data + ", which is missing; keep the "
                    + "data file beside the model");
        }
        try (FileChannel ch = FileChannel.open(data, StandardOpenOption.READ)) {
            long size = ch.size();
            long length = where.length() >= 0 ? where.length() : size - where.offset();
            if (where.offset() > size || length < 0 || length > size - where.offset()) {
                throw new OnnxFormatException(data + " has " + size + " bytes, but tensor '" + t.name() + "' needs bytes "
                        + where.offset() + " to " + (where.offset() + Math.max(0, length)) + ": the data file is "
                        + "truncated or belongs to another model");
            }
            if (length > Integer.MAX_VALUE - 8) {
                throw new OnnxFormatException("tensor '" + t.name() + "' has " + length + " bytes; one tensor over 2 GiB "
                        + "cannot be read here");
            }
            ByteBuffer b = ByteBuffer.allocate((int) length);
            while (b.hasRemaining()) {
                if (ch.read(b, where.offset() + b.position()) < 0) {
                    throw new OnnxFormatException(data + " ended while reading tensor '" + t.name() + "' (truncated)");
                }
            }
            return b.flip().order(ByteOrder.LITTLE_ENDIAN);
        }
    }

    /**
     * Moves the raw data of every initialiser of at least {@link #INLINE_BELOW_BYTES} bytes to
     * {@code <modelFile name>.data} beside {@code modelFile} (written atomically, each tensor
     * {@link #ALIGNMENT}-byte aligned), and returns the model that points into it. Write that model to
     * {@code modelFile} afterwards, so that a model file never points to a data file not yet written.
     */
    public static ModelProto write(ModelProto model, Path modelFile) throws IOException {
        String dataName = modelFile.getFileName() + ".data";
        List<TensorProto> tensors = model.graph().initializers();
        List<TensorProto> moved = new ArrayList<>(tensors);
        AtomicFiles.write(modelFile.resolveSibling(dataName), out -> {
            long offset = 0;
            java.nio.channels.WritableByteChannel channel = java.nio.channels.Channels.newChannel(out);
            for (int i = 0; i < tensors.size(); i++) {
                TensorProto t = tensors.get(i);
                ByteBuffer raw = t.rawData();
                if (t.isExternal() || raw.remaining() < INLINE_BELOW_BYTES) {
                    continue;
                }
                long pad = (ALIGNMENT - offset % ALIGNMENT) % ALIGNMENT;
                out.write(new byte[(int) pad]);
                offset += pad;
                long length = raw.remaining();
                while (raw.hasRemaining()) {
                    channel.write(raw);
                }
                moved.set(i, t.toBuilder().optRawData((ByteBuffer) null).optDataLocation(TensorProto.LOCATION_EXTERNAL)
                        .addExternalData("location", dataName).addExternalData("offset", Long.toString(offset))
                        .addExternalData("length", Long.toString(length)).build());
                offset += length;
            }
        });
        GraphProto.Builder graph = model.graph().toBuilder();
        for (int i = 0; i < moved.size(); i++) {
            graph.setInitializer(i, moved.get(i));
        }
        return model.toBuilder().setGraph(graph.build()).build();
    }
}
