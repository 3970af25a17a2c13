package io.simforge.core.io;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import io.simforge.core.format.FormatException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * NumPy {@code .npy} files (format versions 1.0, 2.0 and 3.0): what {@code numpy.save} writes and
 * {@code numpy.load} reads. Reads little- or big-endian float32/float64/int8–int64/uint8 arrays in C or
 * Fortran order; writes little-endian float32 matrices and int32 vectors, atomically. A file that is not one, or is
 * damaged (a header or shape its bytes cannot hold, a truncated body), is a
 * {@link io.simforge.core.format.FormatException} naming it; nothing is allocated before its size is checked.
 */
public final class Npy {
    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([<>|=])([fiu])(\\d)'");
    private static final Pattern FORTRAN = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
    private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");

    private Npy() {}

    /** A numeric array: its shape and values as floats (row-major, C order). */
    public record FloatArray(int[] shape, float[] values) {
        public int rows() {
            return shape.length == 0 ? 1 : shape[0];
        }

        /** Values per row: the product of all dimensions but the first. */
        public int rowSize() {
            int n = 1;
            for (int i = 1; i < shape.length; i++) {
                n *= shape[i];
            }
            return n;
        }
    }

    /** Reads any supported numeric {@code .npy} file as floats. */
    public static FloatArray readFloats(Path file) throws IOException {
        Raw raw = read(file);
        float[] out = new float[raw.count];
        for (int i = 0; i < raw.count; i++) {
            out[raw.cIndex(i)] = (float) raw.get(i);
        }
        return new FloatArray(raw.shape, out);
    }

    /** Reads a 1-D integer {@code .npy} file (int8–int64 or uint8; floats holding whole numbers also pass). */
    public static int[] readInts(Path file) throws IOException {
        Raw raw = read(file);
        if (raw.shape.length != 1) {
            throw FormatException.foreign(file.toString(), "1-D " + KIND + " of labels", "its shape is "
                    + Arrays.toString(raw.shape));
        }
        int[] out = new int[raw.count];
        for (int i = 0; i < raw.count; i++) {
            double v = raw.get(i);
            if (v != Math.rint(v) || v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
                throw FormatException.foreign(file.toString(), KIND + " of labels", "value " + v + " at position " + i
                        + " is not a whole 32-bit number");
            }
            out[i] = (int) v;
        }
        return out;
    }

    /** Writes a {@code rows × cols} float32 matrix atomically. */
    public static void writeFloats(Path file, float[] values, int rows, int cols) throws IOException {
        if ((long) rows * cols != values.length) {
            throw new IllegalArgumentException(values.length + " values do not make a " + rows + "×" + cols + " matrix");
        }
        ByteBuffer body = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        body.asFloatBuffer().put(values);
        write(file, "<f4", "(" + rows + ", " + cols + ")", body.array());
    }

    /** Writes an int32 vector atomically. */
    public static void writeInts(Path file, int[] values) throws IOException {
        ByteBuffer body = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        body.asIntBuffer().put(values);
        write(file, "<i4", "(" + values.length + ",)", body.array());
    }

    private static void write(Path file, String descr, String shape, byte[] body) throws IOException {
        AtomicFiles.write(file, out -> {
            writeHeader(out, descr, shape);
            out.write(body);
        });
    }

    /**
     * Writes the header of a little-endian float32 {@code rows × cols} matrix; the caller then writes its
     * {@code rows × cols × 4} bytes (for files too big to hold in memory, written piece by piece).
     */
    public static void writeFloatHeader(OutputStream out, long rows, int cols) throws IOException {
        writeHeader(out, "<f4", "(" + rows + ", " + cols + ")");
    }

    private static void writeHeader(OutputStream out, String descr, String shape) throws IOException {
        String dict = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shape + ", }";
        // Version 1.0: magic, version, 2-byte header length; the header is padded so the data starts at a
        // multiple of 64 bytes and ends with a newline.
        int unpadded = MAGIC.length + 2 + 2 + dict.length() + 1;
        int pad = (64 - unpadded % 64) % 64;
        String header = dict + " ".repeat(pad) + "\n";
        out.write(MAGIC);
        out.write(new byte[] {1, 0, (byte) (header.length() & 0xff), (byte) (header.length() >> 8)});
        out.write(header.getBytes(StandardCharsets.US_ASCII));
    }

    /** Writes the header of a little-endian int32 vector of {@code length}; the caller writes the values. */
    public static void writeIntHeader(OutputStream out, long length) throws IOException {
        writeHeader(out, "<i4", "(" + length + ",)");
    }

    /**
     * The shape of a {@code .npy} file, read from its header alone (checked against the file's size).
     *
     * @throws FormatException when the file is not a supported {@code .npy} file, or is damaged
     */
    public static int[] readShape(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return header(in, file, Files.size(file)).shape();
        }
    }

    /** Where the data of a {@code .npy} file starts (its header checked as {@link #readShape} does). */
    public static long dataOffset(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return header(in, file, Files.size(file)).dataOffset();
        }
    }

    private record Raw(int[] shape, int count, boolean fortran, ByteBuffer data, char kind, int size) {
        double get(int i) {
            int at = i * size;
            return switch (kind) {
                case 'f' -> size == 4 ? data.getFloat(at) : data.getDouble(at);
                case 'u' -> size == 1 ? data.get(at) & 0xff : size == 2 ? data.getShort(at) & 0xffff
                        : size == 4 ? data.getInt(at) & 0xffffffffL : (double) data.getLong(at);
                default -> size == 1 ? data.get(at) : size == 2 ? data.getShort(at) : size == 4 ? data.getInt(at)
                        : (double) data.getLong(at);
            };
        }

        /** Where element {@code i} of the file goes in C order. */
        int cIndex(int i) {
            if (!fortran || shape.length < 2) {
                return i;
            }
            // Fortran order: the first index varies fastest.
            int c = 0;
            int stride = 1;
            int[] strides = new int[shape.length];
            for (int d = shape.length - 1; d >= 0; d--) {
                strides[d] = stride;
                stride *= shape[d];
            }
            int rest = i;
            for (int d = 0; d < shape.length; d++) {
                c += (rest % shape[d]) * strides[d];
                rest /= shape[d];
            }
            return c;
        }
    }

    /** A parsed header: the element type, the shape, and where the data starts. */
    private record Header(int[] shape, long count, boolean fortran, char kind, int size, ByteOrder order,
            long dataOffset) {}

    /** The most header bytes a file may claim (NumPy writes a few hundred). */
    private static final int MAX_HEADER = 1 << 20;
    private static final String KIND = "NumPy .npy file";

    private static Raw read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new java.nio.file.NoSuchFileException(file.toString(), null, "no such file");
        }
        try (InputStream in = Files.newInputStream(file)) {
            Header h = header(in, file, Files.size(file));
            int bytes = (int) (h.count() * h.size()); // checked against the file's size by header()
            byte[] body = in.readNBytes(bytes);
            if (body.length < bytes) {
                throw FormatException.damaged(file.toString(), "it is truncated: its header promises " + bytes
                        + " bytes of data but only " + body.length + " follow");
            }
            return new Raw(h.shape(), (int) h.count(), h.fortran(), ByteBuffer.wrap(body).order(h.order()), h.kind(),
                    h.size());
        }
    }

    /**
     * Reads and checks the header: every count is checked against the bytes the file has before anything is
     * allocated for it, so a damaged file is a {@link FormatException} naming it, never an out-of-memory error.
     */
    private static Header header(InputStream in, Path file, long fileSize) throws IOException {
        String name = file.toString();
        byte[] magic = in.readNBytes(8);
        if (magic.length < 8 || !Arrays.equals(Arrays.copyOf(magic, 6), MAGIC)) {
            throw FormatException.foreign(name, KIND, "it has no \\x93NUMPY magic; save arrays with numpy.save");
        }
        int major = magic[6];
        long headerLength;
        if (major == 1) {
            byte[] len = in.readNBytes(2);
            if (len.length < 2) {
                throw FormatException.damaged(name, "it is truncated inside its header");
            }
            headerLength = (len[0] & 0xff) | (len[1] & 0xff) << 8;
        } else if (major == 2 || major == 3) {
            byte[] len = in.readNBytes(4);
            if (len.length < 4) {
                throw FormatException.damaged(name, "it is truncated inside its header");
            }
            headerLength = ByteBuffer.wrap(len).order(ByteOrder.LITTLE_ENDIAN).getInt() & 0xffffffffL;
        } else {
            throw FormatException.foreign(name, KIND + " of versions 1.0 to 3.0", "its format version is " + major);
        }
        long prefix = major == 1 ? 10 : 12;
        if (headerLength > MAX_HEADER || headerLength > fileSize - prefix) {
            throw FormatException.damaged(name, "its header claims " + headerLength + " bytes, more than the "
                    + Math.max(0, fileSize - prefix) + " the file has after its start");
        }
        byte[] headerBytes = in.readNBytes((int) headerLength);
        if (headerBytes.length < headerLength) {
            throw FormatException.damaged(name, "it is truncated inside its header");
        }
        String header = new String(headerBytes, major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        Matcher descr = DESCR.matcher(header);
        Matcher fortran = FORTRAN.matcher(header);
        Matcher shapeM = SHAPE.matcher(header);
        if (!descr.find() || !fortran.find() || !shapeM.find()) {
            throw FormatException.foreign(name, "float32/float64 or integer " + KIND, "its header is "
                    + abbreviate(header.trim()));
        }
        char kind = descr.group(2).charAt(0);
        int size = Integer.parseInt(descr.group(3)); // one digit, by the pattern
        if ((kind == 'f' && size != 4 && size != 8) || (kind != 'f' && size != 1 && size != 2 && size != 4 && size != 8)) {
            throw FormatException.foreign(name, "float32/float64 or integer " + KIND, "its element type is "
                    + descr.group(0));
        }
        String[] parts = shapeM.group(1).split(",");
        List<Integer> dims = new ArrayList<>();
        long count = 1;
        long dataBytes = fileSize - prefix - headerLength;
        for (String part : parts) {
            String p = part.trim();
            if (p.isEmpty()) {
                continue;
            }
            long d;
            try {
                d = Long.parseLong(p.endsWith("L") ? p.substring(0, p.length() - 1) : p);
            } catch (NumberFormatException e) {
                throw FormatException.damaged(name, "its shape has '" + p + "', not a size");
            }
            if (d < 0 || d > Integer.MAX_VALUE) {
                throw FormatException.damaged(name, "its shape has the size " + d);
            }
            dims.add((int) d);
            if (d == 0) {
                count = 0;
            } else if (count > 0 && count > dataBytes / size / d) {
                throw FormatException.damaged(name, "it is truncated, or its shape is damaged: shape ("
                        + shapeM.group(1).trim() + ") needs more than the " + dataBytes + " bytes of data the file has");
            } else {
                count *= d;
            }
        }
        if (dims.size() > 32) {
            throw FormatException.damaged(name, "its shape has " + dims.size() + " dimensions (NumPy allows 32)");
        }
        if (count * size > Integer.MAX_VALUE - 8) {
            throw FormatException.foreign(name, KIND + " one Java array can hold", "it has " + count + " elements");
        }
        ByteOrder order = descr.group(1).equals(">") ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;
        int[] shape = dims.stream().mapToInt(Integer::intValue).toArray();
        return new Header(shape, count, fortran.group(1).equals("True"), kind, size, order, prefix + headerLength);
    }

    private static String abbreviate(String s) {
        return s.length() > 200 ? s.substring(0, 200) + "…" : s;
    }

    /** Used by tests to write arbitrary headers. */
    static void writeRaw(OutputStream out, String header, byte[] body) throws IOException {
        out.write(MAGIC);
        out.write(new byte[] {1, 0, (byte) (header.length() & 0xff), (byte) (header.length() >> 8)});
        out.write(header.getBytes(StandardCharsets.US_ASCII));
        out.write(body);
    }
}
