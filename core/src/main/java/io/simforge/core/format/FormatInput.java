package io.simforge.core.format;

import java.io.BufferedInputStream;
import java.io.Closeable;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UTFDataFormatException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;
import java.util.zip.CRC32;

/**
 * Reads a binary file written by {@link FormatOutput}: {@link #checkHeader} first, {@link #checkFooter} last.
 * Every read that runs past the end reports the file as truncated, and counts and lengths are checked against the
 * bytes left in the file before anything is allocated for them ({@link #readCount}), so a damaged file gives a
 * {@link FormatException} naming it, never an {@code OutOfMemoryError} or an index out of bounds. Also reads the
 * files of formats written before the common header (see {@link #startsWith}), with the same checks.
 */
public final class FormatInput implements Closeable {
    /** Bytes per chunk of {@link #readBulk}: a multiple of every value size, small enough to stay in a core's cache. */
    public static final int BULK_CHUNK = 1 << 20;

    private final String file;
    private final long length;
    private final FileChannel channel;
    private final BufferedInputStream buffered;
    private final Counted counted;
    private final DataInputStream data;

    private FormatInput(Path file, FileChannel channel, long length) {
        this.file = file.toString();
        this.length = length;
        this.channel = channel;
        this.buffered = new BufferedInputStream(Channels.newInputStream(channel), 1 << 16);
        this.counted = new Counted(buffered);
        this.data = new DataInputStream(counted);
    }

    /** Opens {@code file} for reading. */
    public static FormatInput open(Path file) throws IOException {
        FileChannel channel = FileChannel.open(file, StandardOpenOption.READ);
        try {
            return new FormatInput(file, channel, channel.size());
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    /** The file, as messages name it. */
    public String file() {
        return file;
    }

    /** Bytes not read yet. */
    public long remaining() {
        return length - counted.position;
    }

    /**
     * Whether the file starts with {@code prefix}, without reading past it: how a reader tells a file written
     * before the common header (by its old magic) from one with it. Only at the start of the file.
     */
    public boolean startsWith(byte[] prefix) throws IOException {
        if (counted.position != 0) {
            throw new IllegalStateException("startsWith looks at the start of the file, before any read");
        }
        buffered.mark(prefix.length);
        byte[] head = buffered.readNBytes(prefix.length);
        buffered.reset();
        return Arrays.equals(head, prefix);
    }

    /**
     * Reads the header and checks it is {@code format}'s.
     *
     * @param oldest the first version of {@code format} written with this header (older ones had their own)
     * @return the file's version, from {@code oldest} to {@code format.version()}
     * @throws FormatException when the file is of another format, newer, or damaged
     */
    public int checkHeader(Format format, int oldest) throws IOException {
        if (remaining() < 4 || readInt() != FormatOutput.HEADER_MAGIC) {
            throw FormatException.foreign(file, format, "it does not start with simforge's file header");
        }
        String name = readString();
        if (!name.equals(format.name())) {
            throw FormatException.foreign(file, format, "it is a '" + name + "' file");
        }
        return format.checkVersion(file, readInt(), oldest);
    }

    /**
     * Reads the footer and checks the file ends with it and that its checksum matches everything read before.
     *
     * @throws FormatException when the file is truncated, has bytes after the data, or its checksum differs
     */
    public void checkFooter() throws IOException {
        long left = remaining();
        if (left < FormatOutput.FOOTER_LENGTH) {
            throw truncated();
        }
        if (left > FormatOutput.FOOTER_LENGTH) {
            throw damaged((left - FormatOutput.FOOTER_LENGTH) + " bytes follow the data its header announces");
        }
        if (readInt() != FormatOutput.FOOTER_MAGIC) {
            throw damaged("its footer is damaged");
        }
        long expected = counted.crc.getValue();
        if (readLong() != expected) {
            throw damaged("its checksum does not match its content");
        }
    }

    /**
     * Reads a count (an int) of things that take at least {@code minBytesEach} bytes each in the file, and checks
     * that the bytes left can hold them.
     *
     * @param what the count, as a message names it ("the item count")
     */
    public int readCount(String what, long minBytesEach) throws IOException {
        return (int) checkCount(readInt(), minBytesEach, what);
    }

    /** Checks a count read otherwise (a long, in an old format): as {@link #readCount}. */
    public long checkCount(long count, long minBytesEach, String what) throws IOException {
        if (count < 0) {
            throw damaged(what + " is negative (" + count + ")");
        }
        if (minBytesEach > 0 && count > remaining() / minBytesEach) {
            throw damaged(what + " is " + count + ", more than the " + remaining() + " bytes left can hold");
        }
        return count;
    }

    /** Reads {@code len} bytes into {@code b} (bulk data, e.g. packed vectors), reporting a truncated file as such. */
    public void readFully(byte[] b, int off, int len) throws IOException {
        try {
            data.readFully(b, off, len);
        } catch (IOException e) {
            throw failed(e);
        }
    }

    /**
     * Reads bytes until {@code dst} is full (bulk data, e.g. packed vectors), checksummed like every other read:
     * what the stream has buffered first, the rest straight from the file into {@code dst} (one copy when it is a
     * direct buffer).
     */
    public void readFully(ByteBuffer dst) throws IOException {
        int held = (int) Math.min(channel.position() - counted.position, dst.remaining());
        if (held > 0) {
            byte[] b = new byte[held];
            readFully(b, 0, held);
            dst.put(b);
        }
        if (!dst.hasRemaining()) {
            return;
        }
        // The stream's buffer is empty now, so the file's position is the reader's: read past it, then move both on.
        int from = dst.position();
        while (dst.hasRemaining()) {
            if (channel.read(dst) < 0) {
                throw truncated();
            }
        }
        counted.crc.update(dst.duplicate().position(from).limit(dst.position()));
        counted.position += dst.position() - from;
    }

    /** Takes one chunk of {@link #readBulk}: {@code chunk} holds the bytes from {@code offset} on (of the bulk). */
    @FunctionalInterface
    public interface ChunkSink {
        void accept(ByteBuffer chunk, long offset);
    }

    /**
     * Reads the next {@code bytes} bytes in chunks of {@link #BULK_CHUNK} and hands each to {@code sink} on another
     * core (the common pool) while the next chunk is read and checksummed here, so that taking the bytes costs no more
     * than reading them (bytes that fit one chunk are handed over here). Each chunk is a buffer in big-endian order (as
     * every buffer starts), valid only during the call; the sink is called for one chunk at a time, in order, and has
     * seen every chunk when this returns.
     *
     * @throws FormatException when the file ends first (checked before anything is read)
     */
    public void readBulk(long bytes, ChunkSink sink) throws IOException {
        if (bytes > remaining()) {
            throw truncated();
        }
        if (bytes <= BULK_CHUNK) { // one chunk: nothing to overlap, and no other thread to wait for
            ByteBuffer chunk = ByteBuffer.allocate((int) bytes);
            readFully(chunk);
            sink.accept(chunk.flip(), 0);
            return;
        }
        ByteBuffer[] buffers = {ByteBuffer.allocateDirect(BULK_CHUNK), ByteBuffer.allocateDirect(BULK_CHUNK)};
        ForkJoinTask<?> taking = null;
        try {
            for (long from = 0; from < bytes; from += BULK_CHUNK) {
                ByteBuffer chunk = buffers[(int) (from / BULK_CHUNK) & 1];
                chunk.clear().limit((int) Math.min(BULK_CHUNK, bytes - from));
                readFully(chunk); // while the other buffer's chunk is being taken
                chunk.flip();
                if (taking != null) {
                    taking.join();
                }
                long at = from;
                taking = ForkJoinPool.commonPool().submit(() -> sink.accept(chunk, at));
            }
            if (taking != null) {
                taking.join();
            }
        } finally {
            if (taking != null) {
                taking.quietlyJoin(); // a failed read: the sink must not outlive the call
            }
        }
    }

    /** Reads a string written by {@link FormatOutput#writeString}, its length checked against the bytes left. */
    public String readString() throws IOException {
        byte[] bytes = new byte[readCount("a string's length", 1)];
        try {
            data.readFully(bytes);
        } catch (IOException e) {
            throw failed(e);
        }
        return new String(bytes, StandardCharsets.UTF_8);
    }

    /** Reads a string written by {@link java.io.DataOutput#writeUTF} (at most 65535 bytes), as older formats did. */
    public String readUTF() throws IOException {
        try {
            return data.readUTF();
        } catch (IOException e) {
            throw failed(e);
        }
    }

    /** Reads a byte; running past the end of the file is reported as truncation. */
    public byte readByte() throws IOException {
        try {
            return data.readByte();
        } catch (IOException e) {
            throw failed(e);
        }
    }

    /** Reads a big-endian short; running past the end of the file is reported as truncation. */
    public short readShort() throws IOException {
        try {
            return data.readShort();
        } catch (IOException e) {
            throw failed(e);
        }
    }

    /** Reads a big-endian int; running past the end of the file is reported as truncation. */
    public int readInt() throws IOException {
        try {
            return data.readInt();
        } catch (IOException e) {
            throw failed(e);
        }
    }

    /** Reads a big-endian long; running past the end of the file is reported as truncation. */
    public long readLong() throws IOException {
        try {
            return data.readLong();
        } catch (IOException e) {
            throw failed(e);
        }
    }

    /** Reads a big-endian float; running past the end of the file is reported as truncation. */
    public float readFloat() throws IOException {
        try {
            return data.readFloat();
        } catch (IOException e) {
            throw failed(e);
        }
    }

    /** A {@link FormatException} for this file, for damage the caller finds in the data ("id 'x' appears twice"). */
    public FormatException damaged(String detail) {
        return FormatException.damaged(file, detail);
    }

    private FormatException truncated() {
        return damaged("it is truncated, ending before the data its header announces");
    }

    /** What a failed read means: the end of the file is truncation, malformed UTF-8 is damage; the rest is I/O. */
    private IOException failed(IOException e) {
        if (!(e instanceof EOFException) && !(e instanceof UTFDataFormatException)) {
            return e;
        }
        FormatException f = e instanceof EOFException ? truncated() : damaged("a string in it is not valid UTF-8");
        f.initCause(e);
        return f;
    }

    @Override
    public void close() throws IOException {
        data.close();
    }

    /** Counts the bytes read and keeps their CRC32. */
    private static final class Counted extends FilterInputStream {
        final CRC32 crc = new CRC32();
        long position;

        Counted(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            int b = in.read();
            if (b >= 0) {
                crc.update(b);
                position++;
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = in.read(b, off, len);
            if (n > 0) {
                crc.update(b, off, n);
                position += n;
            }
            return n;
        }

        @Override
        public long skip(long n) {
            throw new UnsupportedOperationException("every byte is read, so that the checksum covers it");
        }

        @Override
        public boolean markSupported() {
            return false;
        }
    }
}
