package io.simforge.onnx;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * The protobuf wire format, read side, hardened for untrusted input: every length and count is checked
 * against the bytes that remain before anything is allocated, nesting is bounded, and the number of decoded
 * messages and strings has a budget, so damaged or hostile bytes end in an {@link OnnxFormatException} and
 * never in an out-of-memory error, an index error or a hang. Each call consumes at least one byte or fails.
 */
final class ProtoReader {
    static final int VARINT = 0;
    static final int FIXED64 = 1;
    static final int LENGTH_DELIMITED = 2;
    static final int START_GROUP = 3;
    static final int END_GROUP = 4;
    static final int FIXED32 = 5;

    /** Deeper than any ONNX model nests (model, graph, node, attribute, subgraph, ...); protobuf's own limit is 100. */
    static final int MAX_DEPTH = 64;
    /** Messages and strings one model may decode into: far above real models, far below what exhausts a heap. */
    static final long MAX_ELEMENTS = 1L << 25;

    /** Shared by a reader and its sub-readers. */
    private static final class Budget {
        final String source;
        final int inputEnd;
        long elements;

        Budget(String source, int inputEnd) {
            this.source = source;
            this.inputEnd = inputEnd;
        }
    }

    private final ByteBuffer buf;
    private final Budget budget;
    private final int end;
    private final int depth;
    private int pos;

    private ProtoReader(ByteBuffer buf, Budget budget, int pos, int end, int depth) {
        this.buf = buf;
        this.budget = budget;
        this.pos = pos;
        this.end = end;
        this.depth = depth;
    }

    /** A reader over the buffer's remaining bytes; {@code source} names them in error messages. */
    static ProtoReader over(ByteBuffer bytes, String source) {
        ByteBuffer b = bytes.slice().order(ByteOrder.LITTLE_ENDIAN);
        return new ProtoReader(b, new Budget(source, b.limit()), 0, b.limit(), 0);
    }

    boolean hasMore() {
        return pos < end;
    }

    /** Reads a tag; returns {@code field << 3 | wireType}. */
    int tag() throws OnnxFormatException {
        int at = pos;
        long t = varint();
        long field = t >>> 3;
        int wire = (int) (t & 7);
        if (field == 0 || field > 0x1fffffff || wire > FIXED32) {
            throw damaged("an invalid field tag (field " + field + ", wire type " + wire + ")", at);
        }
        return (int) t;
    }

    long varint() throws OnnxFormatException {
        int at = pos;
        long result = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            if (pos >= end) {
                throw cut("a number", at);
            }
            byte b = buf.get(pos++);
            result |= (long) (b & 0x7f) << shift;
            if (b >= 0) {
                return result;
            }
        }
        throw damaged("a number longer than 10 bytes", at);
    }

    int fixed32() throws OnnxFormatException {
        need(4, "a 4-byte number");
        int v = buf.getInt(pos);
        pos += 4;
        return v;
    }

    long fixed64() throws OnnxFormatException {
        need(8, "an 8-byte number");
        long v = buf.getLong(pos);
        pos += 8;
        return v;
    }

    /** A length prefix, checked against what remains of the enclosing message. */
    int length() throws OnnxFormatException {
        int at = pos;
        long n = varint();
        if (n < 0 || n > end - pos) {
            if (n >= 0 && n <= budget.inputEnd - pos) {
                throw damaged("a field of " + n + " bytes that overruns its enclosing message", at);
            }
            throw cut("a field of " + n + " bytes (only " + (budget.inputEnd - pos) + " remain)", at);
        }
        return (int) n;
    }

    /** A reader over an embedded message, which this reader then skips. */
    ProtoReader message() throws OnnxFormatException {
        int at = pos;
        int n = length();
        if (depth + 1 > MAX_DEPTH) {
            throw damaged("messages nested more than " + MAX_DEPTH + " deep", at);
        }
        spend(at);
        ProtoReader sub = new ProtoReader(buf, budget, pos, pos + n, depth + 1);
        pos += n;
        return sub;
    }

    String string() throws OnnxFormatException {
        int at = pos;
        int n = length();
        spend(at);
        byte[] b = new byte[n];
        buf.get(pos, b);
        pos += n;
        return new String(b, StandardCharsets.UTF_8);
    }

    /** A read-only view of a bytes field (no copy: raw weights stay in the input buffer). */
    ByteBuffer bytes() throws OnnxFormatException {
        int at = pos;
        int n = length();
        spend(at);
        ByteBuffer b = buf.slice(pos, n).asReadOnlyBuffer();
        pos += n;
        return b;
    }

    /** Appends a repeated varint field's values, packed (wire type 2) or one at a time (wire type 0). */
    void varints(int wire, Primitives.LongList into) throws OnnxFormatException {
        if (wire == VARINT) {
            into.add(varint());
            return;
        }
        int n = length();
        int stop = pos + n;
        int count = 0;
        for (int i = pos; i < stop; i++) {
            if (buf.get(i) >= 0) {
                count++; // a varint ends at each byte without the continuation bit
            }
        }
        into.reserve(count);
        ProtoReader packed = new ProtoReader(buf, budget, pos, stop, depth);
        while (packed.hasMore()) {
            into.add(packed.varint());
        }
        pos = stop;
    }

    /** Appends a repeated float field's values, packed or one at a time. */
    void floats(int wire, Primitives.FloatList into) throws OnnxFormatException {
        if (wire == FIXED32) {
            into.add(Float.intBitsToFloat(fixed32()));
            return;
        }
        int at = pos;
        int n = length();
        if (n % 4 != 0) {
            throw damaged("a packed float field of " + n + " bytes, not a multiple of 4", at);
        }
        into.reserve(n / 4);
        for (int i = 0; i < n / 4; i++) {
            into.add(buf.getFloat(pos + 4 * i));
        }
        pos += n;
    }

    /** Appends a repeated double field's values, packed or one at a time. */
    void doubles(int wire, Primitives.DoubleList into) throws OnnxFormatException {
        if (wire == FIXED64) {
            into.add(Double.longBitsToDouble(fixed64()));
            return;
        }
        int at = pos;
        int n = length();
        if (n % 8 != 0) {
            throw damaged("a packed double field of " + n + " bytes, not a multiple of 8", at);
        }
        into.reserve(n / 8);
        for (int i = 0; i < n / 8; i++) {
            into.add(buf.getDouble(pos + 8 * i));
        }
        pos += n;
    }

    /** Skips a field this reader does not model, whatever its wire type. */
    void skip(int wire) throws OnnxFormatException {
        switch (wire) {
            case VARINT -> varint();
            case FIXED64 -> skipBytes(8);
            case LENGTH_DELIMITED -> skipBytes(length());
            case FIXED32 -> skipBytes(4);
            case START_GROUP -> skipGroup();
            default -> throw damaged("an end-of-group marker outside a group", pos);
        }
    }

    /** Skips a (deprecated) group up to its matching end marker, without recursion. */
    private void skipGroup() throws OnnxFormatException {
        int open = 1;
        while (open > 0) {
            int wire = tag() & 7;
            if (wire == START_GROUP) {
                if (++open > MAX_DEPTH) {
                    throw damaged("groups nested more than " + MAX_DEPTH + " deep", pos);
                }
            } else if (wire == END_GROUP) {
                open--;
            } else {
                skip(wire);
            }
        }
    }

    private void skipBytes(int n) throws OnnxFormatException {
        need(n, "a field of " + n + " bytes");
        pos += n;
    }

    private void need(int n, String what) throws OnnxFormatException {
        if (end - pos < n) {
            if (budget.inputEnd - pos >= n) {
                throw damaged(what + " that overruns its enclosing message", pos);
            }
            throw cut(what, pos);
        }
    }

    private void spend(int at) throws OnnxFormatException {
        if (++budget.elements > MAX_ELEMENTS) {
            throw damaged("more than " + MAX_ELEMENTS + " messages and strings", at);
        }
    }

    /** The input ends inside a field: typically a file cut short. */
    OnnxFormatException cut(String what, int at) {
        return new OnnxFormatException(budget.source + ": the data ends inside " + what + " at byte " + at
                + " of " + budget.inputEnd + "; it is truncated, damaged or not ONNX");
    }

    OnnxFormatException damaged(String what, int at) {
        return new OnnxFormatException(budget.source + ": " + what + " at byte " + at
                + "; it is damaged or not ONNX");
    }

    int position() {
        return pos;
    }

    @Override
    public String toString() {
        return "ProtoReader[" + budget.source + " at " + pos + " of " + end + ", depth " + depth + "]";
    }
}
