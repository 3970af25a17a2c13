package io.simforge.datasets;

import io.simforge.core.data.DatasetException;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/**
 * Reads IDX files (the MNIST format), gzipped or not: a big-endian header whose magic number holds the
 * element type (only unsigned bytes, 0x08, are used by image datasets) and the number of dimensions,
 * then each dimension as a 32-bit integer, then the data.
 */
public final class IdxReader {
    private static final int TYPE_UNSIGNED_BYTE = 0x08;

    private IdxReader() {}

    /** An IDX tensor of unsigned bytes with its dimensions. */
    public record IdxArray(int[] dims, byte[] data) {
        public int count() {
            return dims[0];
        }
    }

    /** Reads an IDX file from disk; gzip is detected from the content, not the name. */
    public static IdxArray read(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            return read(in, file.toString());
        } catch (NoSuchFileException e) {
            throw new DatasetException("IDX file not found: " + file
                    + ". Check the dataset path (it must hold the *-images-idx3-ubyte[.gz] and "
                    + "*-labels-idx1-ubyte[.gz] files).");
        } catch (IOException e) {
            throw new DatasetException("Cannot read IDX file " + file + ": " + e.getMessage(), e);
        }
    }

    /** Reads an IDX stream; {@code name} is used in error messages. */
    public static IdxArray read(InputStream raw, String name) throws IOException {
        BufferedInputStream buffered = new BufferedInputStream(raw, 1 << 16);
        buffered.mark(2);
        int b0 = buffered.read();
        int b1 = buffered.read();
        buffered.reset();
        InputStream in = (b0 == 0x1f && b1 == 0x8b) ? new GZIPInputStream(buffered, 1 << 16) : buffered;
        DataInputStream data = new DataInputStream(in);
        int magic;
        try {
            magic = data.readInt();
        } catch (EOFException e) {
            throw new DatasetException("IDX file " + name + " is empty or truncated before its header. "
                    + "Download or copy it again.");
        }
        if ((magic >>> 16) != 0) {
            throw new DatasetException(String.format(
                    "%s is not an IDX file (magic number 0x%08X; an IDX file starts with two zero bytes). "
                            + "Point the dataset path at the MNIST-format files.", name, magic));
        }
        int type = (magic >>> 8) & 0xff;
        int rank = magic & 0xff;
        if (type != TYPE_UNSIGNED_BYTE) {
            throw new DatasetException(String.format(
                    "%s holds IDX element type 0x%02X; only unsigned bytes (0x08) are supported.", name, type));
        }
        if (rank < 1 || rank > 4) {
            throw new DatasetException(name + " declares " + rank + " dimensions; expected 1 to 4.");
        }
        int[] dims = new int[rank];
        long total = 1;
        try {
            for (int i = 0; i < rank; i++) {
                dims[i] = data.readInt();
                if (dims[i] <= 0) {
                    throw new DatasetException(name + " declares dimension " + i + " of size " + dims[i]
                            + "; every dimension must be positive.");
                }
                total *= dims[i];
            }
        } catch (EOFException e) {
            throw new DatasetException("IDX file " + name + " is truncated inside its header. "
                    + "Download or copy it again.");
        }
        if (total > Integer.MAX_VALUE - 8) {
            throw new DatasetException(name + " holds " + total + " bytes, more than one array can hold.");
        }
        byte[] bytes = new byte[(int) total];
        int read = data.readNBytes(bytes, 0, bytes.length);
        if (read < bytes.length) {
            throw new DatasetException(String.format(
                    "IDX file %s is truncated: its header declares %d bytes of data but only %d are present. "
                            + "Download or copy it again.", name, total, read));
        }
        return new IdxArray(dims, bytes);
    }
}
