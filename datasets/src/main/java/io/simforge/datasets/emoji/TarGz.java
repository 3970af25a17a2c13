package io.simforge.datasets.emoji;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Predicate;
import java.util.zip.GZIPInputStream;

/**
 * Reads the regular files of a {@code .tgz} with the JDK alone: GZIP plus the tar subset that {@code npm pack}
 * writes (POSIX ustar headers with the name prefix, PAX {@code path} records for long names, GNU long names for
 * good measure). A few dozen lines do not justify a dependency such as Commons Compress.
 */
final class TarGz {
    private static final int BLOCK = 512;

    private TarGz() {}

    /**
     * The files whose path satisfies {@code wanted}, path → bytes, in the archive's order.
     *
     * @throws IOException naming the archive when it is not a readable tar.gz
     */
    static Map<String, byte[]> read(Path tgz, Predicate<String> wanted) throws IOException {
        Map<String, byte[]> out = new LinkedHashMap<>();
        try (InputStream in = new BufferedInputStream(new GZIPInputStream(Files.newInputStream(tgz), 1 << 16), 1 << 16)) {
            byte[] header = new byte[BLOCK];
            String longName = null;
            while (true) {
                if (!readBlock(in, header)) {
                    break; // end of stream without the two zero blocks: accept, as tar does
                }
                if (isZero(header)) {
                    break;
                }
                if (!checksumOk(header)) {
                    throw new IOException(tgz + " is not a valid npm tarball: a tar header's checksum is wrong "
                            + "(truncated or corrupt download?)");
                }
                String name = longName != null ? longName : ustarName(header);
                longName = null;
                long size = octal(header, 124, 12);
                byte type = header[156];
                if (type == 'x' || type == 'L') {
                    byte[] data = readData(in, size, tgz);
                    longName = type == 'L' ? cString(data, 0, data.length) : paxPath(data);
                    continue;
                }
                boolean regular = type == '0' || type == 0 || type == '7';
                if (regular && wanted.test(name)) {
                    out.put(name, readData(in, size, tgz));
                } else {
                    skip(in, padded(size), tgz);
                }
            }
        } catch (EOFException e) {
            throw new IOException(tgz + " ends too early: the download is incomplete; fetch it again", e);
        } catch (java.util.zip.ZipException e) {
            throw new IOException(tgz + " is not a gzip file (" + e.getMessage() + "); fetch it again", e);
        }
        return out;
    }

    private static boolean readBlock(InputStream in, byte[] block) throws IOException {
        int n = in.readNBytes(block, 0, BLOCK);
        if (n == 0) {
            return false;
        }
        if (n < BLOCK) {
            throw new EOFException();
        }
        return true;
    }

    private static byte[] readData(InputStream in, long size, Path tgz) throws IOException {
        if (size > Integer.MAX_VALUE - 16) {
            throw new IOException(tgz + " holds a file of " + size + " bytes, too large to read");
        }
        byte[] data = in.readNBytes((int) size);
        if (data.length < size) {
            throw new EOFException();
        }
        skip(in, padded(size) - size, tgz);
        return data;
    }

    private static void skip(InputStream in, long n, Path tgz) throws IOException {
        long left = n;
        while (left > 0) {
            long s = in.skip(left);
            if (s <= 0) {
                if (in.read() < 0) {
                    throw new EOFException();
                }
                s = 1;
            }
            left -= s;
        }
    }

    private static long padded(long size) {
        return (size + BLOCK - 1) / BLOCK * BLOCK;
    }

    private static boolean isZero(byte[] b) {
        for (byte x : b) {
            if (x != 0) {
                return false;
            }
        }
        return true;
    }

    private static boolean checksumOk(byte[] h) {
        long stored = octal(h, 148, 8);
        long sum = 0;
        for (int i = 0; i < BLOCK; i++) {
            sum += (i >= 148 && i < 156) ? ' ' : (h[i] & 0xff);
        }
        return sum == stored;
    }

    private static String ustarName(byte[] h) {
        String name = cString(h, 0, 100);
        boolean ustar = cString(h, 257, 6).startsWith("ustar");
        String prefix = ustar ? cString(h, 345, 155) : "";
        return prefix.isEmpty() ? name : prefix + "/" + name;
    }

    /** The {@code path} record of a PAX extended header ("LEN path=VALUE\n" records). */
    private static String paxPath(byte[] data) {
        int i = 0;
        while (i < data.length) {
            int space = i;
            while (space < data.length && data[space] != ' ') {
                space++;
            }
            if (space >= data.length) {
                break;
            }
            int len;
            try {
                len = Integer.parseInt(new String(data, i, space - i, StandardCharsets.US_ASCII));
            } catch (NumberFormatException e) {
                return null;
            }
            if (len <= space - i || i + len > data.length) {
                break;
            }
            // LEN counts bytes, from the first digit to the closing newline.
            String record = new String(data, space + 1, i + len - 1 - (space + 1), StandardCharsets.UTF_8);
            if (record.startsWith("path=")) {
                return record.substring(5);
            }
            i += len;
        }
        return null;
    }

    private static String cString(byte[] b, int off, int len) {
        int end = off;
        while (end < off + len && b[end] != 0) {
            end++;
        }
        return new String(b, off, end - off, StandardCharsets.UTF_8);
    }

    private static long octal(byte[] b, int off, int len) {
        long v = 0;
        for (int i = off; i < off + len; i++) {
            int c = b[i];
            if (c == 0 || c == ' ') {
                if (v > 0) {
                    break;
                }
                continue;
            }
            if (c < '0' || c > '7') {
                break;
            }
            v = v * 8 + (c - '0');
        }
        return v;
    }
}
