package io.simforge.core.format;

import java.io.BufferedOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;
import java.util.zip.CheckedOutputStream;

/**
 * Writes a binary file in simforge's common layout (big-endian, as {@link DataOutputStream}):
 * <ul>
 *   <li>header: the magic bytes {@code 89 53 46 1A} ("\x89SF\x1A": a text file never starts so), the format's
 *       name as a string, its version as an int;
 *   <li>the caller's data;
 *   <li>footer ({@link #finish}): the magic inverted, then the CRC32 of every byte before the CRC, as a long.
 * </ul>
 * A string is an int byte count and that many UTF-8 bytes ({@link #writeString}). Read back with
 * {@link FormatInput}. Used inside {@code AtomicFiles.write}, so a reader never sees a file without its footer:
 *
 * <pre>{@code
 * AtomicFiles.write(file, raw -> {
 *     FormatOutput out = FormatOutput.start(raw, FORMAT);
 *     out.writeInt(count);
 *     ...
 *     out.finish();
 * });
 * }</pre>
 */
public final class FormatOutput extends DataOutputStream {
    static final int HEADER_MAGIC = 0x8953461A;
    static final int FOOTER_MAGIC = ~HEADER_MAGIC;
    /** Footer magic (int) and CRC32 (long). */
    static final int FOOTER_LENGTH = 12;

    private final CRC32 crc;

    private FormatOutput(OutputStream out, CRC32 crc) {
        super(new CheckedOutputStream(new BufferedOutputStream(out, 1 << 16), crc));
        this.crc = crc;
    }

    /** Writes {@code format}'s header to {@code out} and returns the stream for the data. */
    public static FormatOutput start(OutputStream out, Format format) throws IOException {
        FormatOutput o = new FormatOutput(out, new CRC32());
        o.writeInt(HEADER_MAGIC);
        o.writeString(format.name());
        o.writeInt(format.version());
        return o;
    }

    /** Writes a string as its UTF-8 byte count (int) and bytes: {@link FormatInput#readString}. */
    public void writeString(String s) throws IOException {
        byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        writeInt(bytes.length);
        write(bytes);
    }

    /** Writes the footer and flushes; nothing may be written after it. */
    public void finish() throws IOException {
        writeInt(FOOTER_MAGIC);
        long checksum = crc.getValue();
        writeLong(checksum);
        flush();
    }
}
