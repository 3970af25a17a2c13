package io.simforge.core.format;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import io.simforge.core.io.AtomicFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The common header: JSON and binary, legacy spellings, the one "newer" message, damage found before allocation. */
class FormatTest {
    private static final Format THING = Format.of("simforge-test-thing", 3);

    @TempDir
    Path dir;

    record Thing(int version, String name, List<Integer> sizes) {}

    @Test
    void jsonFilesStartWithTheHeaderAndRoundTrip() throws IOException {
        Path file = dir.resolve("thing.json");
        THING.write(file, new Thing(1, "a", List.of(2, 3)));
        assertTrue(Files.readString(file).startsWith("{\n  \"format\": \"simforge-test-thing\",\n  \"version\": 3,\n"),
                Files.readString(file));
        assertEquals(new Thing(3, "a", List.of(2, 3)), THING.read(file, Thing.class), "the version is the file's");
        JsonObject o = THING.read(file);
        assertEquals(List.of("format", "version", "name", "sizes"), List.copyOf(o.keySet()));
    }

    @Test
    void olderFilesAreReadAtTheirVersionAndLegacySpellingsAsBefore() throws IOException {
        Path file = dir.resolve("old.json");
        Files.writeString(file, "{\"format\": \"simforge-test-thing\", \"version\": 2, \"name\": \"b\"}");
        assertEquals(2, THING.read(file, Thing.class).version());

        Format legacy = THING.withLegacyVersionKey("formatVersion").withLegacyVersionKey("format_version");
        Files.writeString(file, "{\"formatVersion\": 1, \"name\": \"c\"}");
        JsonObject o = legacy.read(file);
        assertEquals("{\"format\":\"simforge-test-thing\",\"version\":1,\"name\":\"c\"}", o.toString(),
                "the legacy key is replaced by the header");
        Files.writeString(file, "{\"format_version\": 2}");
        assertEquals(2, legacy.read(file, Thing.class).version());
        Files.writeString(file, "{\"version\": 2, \"name\": \"lone\"}");
        assertEquals(2, THING.withLegacyVersionKey("version").read(file, Thing.class).version());

        Files.writeString(file, "{\"name\": \"d\"}");
        assertEquals(1, THING.withUnversionedAsVersion1().read(file, Thing.class).version());
        FormatException e = assertThrows(FormatException.class, () -> legacy.read(file));
        assertEquals(FormatException.Problem.FOREIGN, e.problem());
        assertEquals(file + " is not a simforge test thing file: it does not name its format", e.getMessage());
    }

    @Test
    void newerVersionsGetTheOneMessageWhateverTheSpelling() throws IOException {
        Path file = dir.resolve("new.json");
        String message = file + " is a simforge test thing file of version 4, newer than this simforge reads (up to 3): "
                + "upgrade simforge";
        Files.writeString(file, "{\"format\": \"simforge-test-thing\", \"version\": 4}");
        FormatException e = assertThrows(FormatException.class, () -> THING.read(file));
        assertEquals(message, e.getMessage());
        assertEquals(FormatException.Problem.NEWER, e.problem());
        assertEquals(file.toString(), e.file());
        Files.writeString(file, "{\"formatVersion\": 4}");
        assertEquals(message, assertThrows(FormatException.class,
                () -> THING.withLegacyVersionKey("formatVersion").read(file)).getMessage());
    }

    @Test
    void foreignAndMalformedJsonIsRefusedNamingTheFile() throws IOException {
        Path file = dir.resolve("x.json");
        Files.writeString(file, "{\"format\": \"simforge-other\", \"version\": 1}");
        assertEquals(file + " is not a simforge test thing file: it is a 'simforge-other' file",
                assertThrows(FormatException.class, () -> THING.read(file)).getMessage());
        Files.write(file, new byte[] {(byte) 0x89, 'S', 'F', 0x1A, 0, 0});
        assertEquals(file + " is not a simforge test thing file: it is not UTF-8 text",
                assertThrows(FormatException.class, () -> THING.read(file)).getMessage());
        Files.writeString(file, "[1, 2]");
        assertTrue(assertThrows(FormatException.class, () -> THING.read(file)).getMessage()
                .contains("is not a simforge test thing file: it is not a JSON object"));
        Files.writeString(file, "{\"format\": \"simforge-test-thing\", \"vers");
        assertEquals(FormatException.Problem.FOREIGN, assertThrows(FormatException.class, () -> THING.read(file)).problem());
        for (String version : new String[] {"\"two\"", "0", "-1", "null"}) {
            Files.writeString(file, "{\"format\": \"simforge-test-thing\", \"version\": " + version + "}");
            FormatException e = assertThrows(FormatException.class, () -> THING.read(file));
            assertEquals(FormatException.Problem.DAMAGED, e.problem(), version);
            assertTrue(e.getMessage().startsWith(file + " is damaged: "), e.getMessage());
        }
        Files.writeString(file, "{\"format\": \"simforge-test-thing\", \"version\": 1, \"sizes\": \"many\"}");
        assertEquals(FormatException.Problem.DAMAGED,
                assertThrows(FormatException.class, () -> THING.read(file, Thing.class)).problem());
    }

    @Test
    void aJsonLinesHeaderIsTheSameObject() throws IOException {
        assertEquals("{\"format\":\"simforge-test-thing\",\"version\":3}", THING.header().toString());
        assertEquals(3, THING.checkHeader(THING.header(), "log"));
        JsonObject newer = THING.header();
        newer.addProperty("version", 9);
        assertEquals(FormatException.Problem.NEWER,
                assertThrows(FormatException.class, () -> THING.checkHeader(newer, "log")).problem());
    }

    @Test
    void namesAndVersionsAreChecked() {
        assertThrows(IllegalArgumentException.class, () -> Format.of("thing", 1));
        assertThrows(IllegalArgumentException.class, () -> Format.of("simforge-Thing", 1));
        assertThrows(IllegalArgumentException.class, () -> Format.of("simforge-thing", 0));
        assertEquals("simforge saved model", Format.of("simforge-saved-model", 2).kind());
    }

    private Path writeBinary(String name, Format format, int count) throws IOException {
        Path file = dir.resolve(name);
        AtomicFiles.write(file, raw -> {
            FormatOutput out = FormatOutput.start(raw, format);
            out.writeInt(count);
            for (int i = 0; i < count; i++) {
                out.writeString("item " + i + " ü");
                out.writeFloat(i / 4f);
            }
            out.finish();
        });
        return file;
    }

    /** Reads what {@link #writeBinary} wrote: each item's string and value. */
    private static String readBinary(Path file, int oldest) throws IOException {
        try (FormatInput in = FormatInput.open(file)) {
            in.checkHeader(THING, oldest);
            int count = in.readCount("the item count", 8);
            StringBuilder items = new StringBuilder();
            for (int i = 0; i < count; i++) {
                items.append(in.readString()).append('=').append(in.readFloat()).append(';');
            }
            in.checkFooter();
            return items.toString();
        }
    }

    @Test
    void binaryFilesHaveAHeaderAndAChecksummedFooter() throws IOException {
        Path file = writeBinary("a.bin", THING, 5);
        assertEquals("item 0 ü=0.0;item 1 ü=0.25;item 2 ü=0.5;item 3 ü=0.75;item 4 ü=1.0;", readBinary(file, 1));
        byte[] bytes = Files.readAllBytes(file);
        assertArrayEquals(new byte[] {(byte) 0x89, 'S', 'F', 0x1A}, Arrays.copyOf(bytes, 4));
        assertEquals(FormatException.Problem.DAMAGED,
                assertThrows(FormatException.class, () -> readBinary(file, 4)).problem(), "older than its header");
        try (FormatInput in = FormatInput.open(file)) {
            assertTrue(in.startsWith(Arrays.copyOf(bytes, 6)));
            assertFalse(in.startsWith("SFINDEX".getBytes()));
            assertEquals(3, in.checkHeader(THING, 1), "startsWith read nothing");
        }
    }

    @Test
    void binaryFilesOfNewerVersionsOrOtherFormatsAreRefused() throws IOException {
        Path newer = writeBinary("new.bin", Format.of("simforge-test-thing", 7), 2);
        assertEquals(newer + " is a simforge test thing file of version 7, newer than this simforge reads (up to 3): "
                + "upgrade simforge", assertThrows(FormatException.class, () -> readBinary(newer, 1)).getMessage());
        Path other = writeBinary("other.bin", Format.of("simforge-other", 1), 2);
        assertEquals(other + " is not a simforge test thing file: it is a 'simforge-other' file",
                assertThrows(FormatException.class, () -> readBinary(other, 1)).getMessage());
        Path text = Files.writeString(dir.resolve("notes.txt"), "hello, not a simforge file");
        assertEquals(text + " is not a simforge test thing file: it does not start with simforge's file header",
                assertThrows(FormatException.class, () -> readBinary(text, 1)).getMessage());
        Path empty = Files.write(dir.resolve("empty.bin"), new byte[0]);
        assertEquals(FormatException.Problem.FOREIGN,
                assertThrows(FormatException.class, () -> readBinary(empty, 1)).problem());
    }

    /** Every single flipped bit and every truncation is refused, naming the file; nothing else is thrown. */
    @Test
    void everyFlippedBitAndEveryTruncationIsAFormatExceptionNamingTheFile() throws IOException {
        byte[] good = Files.readAllBytes(writeBinary("good.bin", THING, 3));
        Path bad = dir.resolve("bad.bin");
        for (int bit = 0; bit < good.length * 8; bit++) {
            byte[] flipped = good.clone();
            flipped[bit / 8] ^= (byte) (1 << (bit % 8));
            Files.write(bad, flipped);
            FormatException e = assertThrows(FormatException.class, () -> readBinary(bad, 1), "bit " + bit);
            assertTrue(e.getMessage().startsWith(bad.toString()), e.getMessage());
        }
        for (int length = 0; length < good.length; length++) {
            Files.write(bad, Arrays.copyOf(good, length));
            FormatException e = assertThrows(FormatException.class, () -> readBinary(bad, 1), length + " bytes");
            assertTrue(e.getMessage().startsWith(bad.toString()), e.getMessage());
        }
        byte[] longer = Arrays.copyOf(good, good.length + 1);
        Files.write(bad, longer);
        assertTrue(assertThrows(FormatException.class, () -> readBinary(bad, 1)).getMessage()
                .contains("1 bytes follow the data its header announces"));
    }

    /** Issue #15: a count the file cannot hold is refused before anything is allocated for it. */
    @Test
    void countsAreCheckedAgainstTheBytesLeftBeforeAllocating() throws IOException {
        byte[] bytes = Files.readAllBytes(writeBinary("count.bin", THING, 2));
        int countAt = 4 + 4 + THING.name().length() + 4;
        for (int count : new int[] {Integer.MAX_VALUE, 1 << 28, 100}) {
            byte[] lying = bytes.clone();
            java.nio.ByteBuffer.wrap(lying).putInt(countAt, count);
            Path file = Files.write(dir.resolve("lying.bin"), lying);
            FormatException e = assertThrows(FormatException.class, () -> readBinary(file, 1));
            assertTrue(e.getMessage().startsWith(file + " is damaged: the item count is " + count + ", more than the "),
                    e.getMessage());
        }
        byte[] negative = bytes.clone();
        java.nio.ByteBuffer.wrap(negative).putInt(countAt, -1);
        Path minus = Files.write(dir.resolve("negative.bin"), negative);
        assertTrue(assertThrows(FormatException.class, () -> readBinary(minus, 1)).getMessage()
                .startsWith(minus + " is damaged: the item count is negative (-1)"));
        byte[] longString = bytes.clone();
        java.nio.ByteBuffer.wrap(longString).putInt(countAt + 4, Integer.MAX_VALUE - 1);
        Path file = Files.write(dir.resolve("string.bin"), longString);
        assertTrue(assertThrows(FormatException.class, () -> readBinary(file, 1)).getMessage()
                .contains("a string's length is 2147483646, more than the"));
    }

    /**
     * Bulk reads take the bytes the stream has buffered, then the rest straight from the file, in chunks handed over
     * in order with their offsets; the footer's checksum covers them like every other byte, so a flipped bit among
     * them is found, and a bulk read longer than the file is truncation.
     */
    @Test
    void bulkReadsReturnEveryByteInOrderAndAreChecksummed() throws IOException {
        int bulk = 2 * FormatInput.BULK_CHUNK + FormatInput.BULK_CHUNK / 2 + 3; // a part chunk at the end
        byte[] data = new byte[bulk];
        new java.util.Random(4).nextBytes(data);
        Path file = dir.resolve("bulk.bin");
        AtomicFiles.write(file, raw -> {
            FormatOutput out = FormatOutput.start(raw, THING);
            out.writeString("before");
            out.write(data);
            out.writeInt(42);
            out.write(data, 0, 1000); // a short bulk read taken from the stream's buffer only
            out.finish();
        });
        byte[] back = new byte[bulk];
        List<Long> offsets = new java.util.ArrayList<>();
        try (FormatInput in = FormatInput.open(file)) {
            in.checkHeader(THING, 1);
            assertEquals("before", in.readString());
            in.readBulk(bulk, (chunk, offset) -> {
                offsets.add(offset);
                chunk.get(back, (int) offset, chunk.remaining());
            });
            assertEquals(42, in.readInt(), "the stream goes on after the bulk bytes");
            java.nio.ByteBuffer small = java.nio.ByteBuffer.allocateDirect(1000);
            in.readFully(small);
            assertArrayEquals(Arrays.copyOf(data, 1000), bytesOf(small.flip()));
            in.checkFooter();
        }
        assertArrayEquals(data, back);
        assertEquals(List.of(0L, (long) FormatInput.BULK_CHUNK, 2L * FormatInput.BULK_CHUNK), offsets);

        byte[] flipped = Files.readAllBytes(file);
        flipped[flipped.length / 2] ^= 4; // inside the bulk bytes
        Path bad = Files.write(dir.resolve("flipped.bin"), flipped);
        try (FormatInput in = FormatInput.open(bad)) {
            in.checkHeader(THING, 1);
            in.readString();
            in.readBulk(bulk, (chunk, offset) -> { });
            in.readInt();
            in.readFully(java.nio.ByteBuffer.allocate(1000));
            assertEquals(bad + " is damaged: its checksum does not match its content. Restore it from a copy or write "
                    + "it again.",
                    assertThrows(FormatException.class, in::checkFooter).getMessage());
        }
        try (FormatInput in = FormatInput.open(file)) {
            in.checkHeader(THING, 1);
            assertTrue(assertThrows(FormatException.class, () -> in.readBulk(in.remaining() + 1, (c, o) -> { }))
                    .getMessage().contains("truncated"));
        }
    }

    private static byte[] bytesOf(java.nio.ByteBuffer b) {
        byte[] out = new byte[b.remaining()];
        b.duplicate().get(out);
        return out;
    }
}
