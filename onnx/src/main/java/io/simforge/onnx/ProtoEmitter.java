package io.simforge.onnx;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The protobuf wire format, write side: one implementation counts bytes, the other writes them, so each
 * message type lists its fields once ({@link OnnxWriter}). Scalars at their default value are left out (proto3
 * rules); repeated fields keep every element, empty strings included (an empty node input means "omitted").
 * Repeated scalars are packed or not as the ONNX schema declares, so the bytes match what protobuf writes.
 */
abstract class ProtoEmitter {
    /** Writes a message's fields to an emitter. */
    interface Body<T> {
        void emit(T message, ProtoEmitter out) throws IOException;
    }

    private static final int VARINT = 0;
    private static final int FIXED64 = 1;
    private static final int LENGTH_DELIMITED = 2;
    private static final int FIXED32 = 5;

    abstract void raw(int b) throws IOException;

    abstract void raw(ByteBuffer bytes) throws IOException;

    abstract long count();

    final void int64(int field, long value) throws IOException {
        if (value != 0) {
            int64Always(field, value);
        }
    }

    /** A varint field written even when zero (a {@code oneof} member, whose presence is the information). */
    final void int64Always(int field, long value) throws IOException {
        tag(field, VARINT);
        varint(value);
    }

    final void float32(int field, float value) throws IOException {
        if (Float.floatToRawIntBits(value) != 0) {
            tag(field, FIXED32);
            fixed32(Float.floatToRawIntBits(value));
        }
    }

    final void string(int field, String value) throws IOException {
        if (!value.isEmpty()) {
            stringAlways(field, value);
        }
    }

    final void strings(int field, List<String> values) throws IOException {
        for (String v : values) {
            stringAlways(field, v);
        }
    }

    /** A string field written even when empty (a {@code oneof} member). */
    final void stringAlways(int field, String value) throws IOException {
        byte[] b = value.getBytes(StandardCharsets.UTF_8);
        tag(field, LENGTH_DELIMITED);
        varint(b.length);
        raw(ByteBuffer.wrap(b));
    }

    final void bytes(int field, ByteBuffer value) throws IOException {
        if (value.hasRemaining()) {
            bytesAlways(field, value);
        }
    }

    final void bytesList(int field, List<ByteBuffer> values) throws IOException {
        for (ByteBuffer v : values) {
            bytesAlways(field, v);
        }
    }

    private void bytesAlways(int field, ByteBuffer value) throws IOException {
        tag(field, LENGTH_DELIMITED);
        varint(value.remaining());
        raw(value.duplicate());
    }

    final <T> void message(int field, T message, Body<T> body) throws IOException {
        if (message != null) {
            SizeCounter size = new SizeCounter();
            body.emit(message, size);
            tag(field, LENGTH_DELIMITED);
            varint(size.count());
            body.emit(message, this);
        }
    }

    final <T> void messages(int field, List<T> messages, Body<T> body) throws IOException {
        for (T m : messages) {
            message(field, m, body);
        }
    }

    /** Repeated int64, one tag per value (the ONNX schema does not pack {@code dims} and {@code ints}). */
    final void unpackedInt64(int field, long[] values) throws IOException {
        for (long v : values) {
            int64Always(field, v);
        }
    }

    /** Repeated float, one tag per value ({@code AttributeProto.floats}). */
    final void unpackedFloat(int field, float[] values) throws IOException {
        for (float v : values) {
            tag(field, FIXED32);
            fixed32(Float.floatToRawIntBits(v));
        }
    }

    final void packedVarint(int field, long[] values) throws IOException {
        if (values.length > 0) {
            long size = 0;
            for (long v : values) {
                size += varintSize(v);
            }
            tag(field, LENGTH_DELIMITED);
            varint(size);
            for (long v : values) {
                varint(v);
            }
        }
    }

    final void packedInt32(int field, int[] values) throws IOException {
        // int32 is sign-extended to 64 bits on the wire, as protobuf does.
        packedVarint(field, java.util.Arrays.stream(values).asLongStream().toArray());
    }

    final void packedFloat(int field, float[] values) throws IOException {
        if (values.length > 0) {
            tag(field, LENGTH_DELIMITED);
            varint((long) values.length * Float.BYTES);
            for (float v : values) {
                fixed32(Float.floatToRawIntBits(v));
            }
        }
    }

    final void packedDouble(int field, double[] values) throws IOException {
        if (values.length > 0) {
            tag(field, LENGTH_DELIMITED);
            varint((long) values.length * Double.BYTES);
            for (double v : values) {
                long bits = Double.doubleToRawLongBits(v);
                fixed32((int) bits);
                fixed32((int) (bits >>> 32));
            }
        }
    }

    private void tag(int field, int wireType) throws IOException {
        varint(((long) field << 3) | wireType);
    }

    private void varint(long v) throws IOException {
        while ((v & ~0x7fL) != 0) {
            raw((int) ((v & 0x7f) | 0x80));
            v >>>= 7;
        }
        raw((int) v);
    }

    private void fixed32(int v) throws IOException {
        raw(v & 0xff);
        raw((v >>> 8) & 0xff);
        raw((v >>> 16) & 0xff);
        raw((v >>> 24) & 0xff);
    }

    static int varintSize(long v) {
        int n = 1;
        while ((v & ~0x7fL) != 0) {
            n++;
            v >>>= 7;
        }
        return n;
    }

    /** Counts the bytes a message takes, writing nothing. */
    static final class SizeCounter extends ProtoEmitter {
        private long count;

        @Override
        void raw(int b) {
            count++;
        }

        @Override
        void raw(ByteBuffer bytes) {
            count += bytes.remaining();
        }

        @Override
        long count() {
            return count;
        }
    }

    /** Writes to a stream through its own buffer. */
    static final class StreamWriter extends ProtoEmitter {
        private final OutputStream out;
        private final byte[] buffer = new byte[1 << 16];
        private int used;
        private long count;

        StreamWriter(OutputStream out) {
            this.out = out;
        }

        @Override
        void raw(int b) throws IOException {
            if (used == buffer.length) {
                flush();
            }
            buffer[used++] = (byte) b;
            count++;
        }

        @Override
        void raw(ByteBuffer bytes) throws IOException {
            count += bytes.remaining();
            while (bytes.hasRemaining()) {
                if (used == buffer.length) {
                    flush();
                }
                int n = Math.min(bytes.remaining(), buffer.length - used);
                bytes.get(buffer, used, n);
                used += n;
            }
        }

        @Override
        long count() {
            return count;
        }

        void flush() throws IOException {
            out.write(buffer, 0, used);
            used = 0;
        }
    }
}
