package io.simforge.train.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.simforge.core.format.Format;
import io.simforge.core.format.FormatException;
import io.simforge.core.format.FormatInput;
import io.simforge.core.format.FormatOutput;
import io.simforge.core.io.AtomicFiles;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The arrays a loss keeps across steps (proxies, class weights, the cross-batch memory), by name, as plain values:
 * what a checkpoint saves ({@link #FORMAT}: {@code loss.state}). Float32 and int32 arrays, each with its shape.
 *
 * <p>The file, after the common binary header: the number of arrays, then per array (sorted by name) its name, its
 * type (0: float32, 1: int32), its rank and dimensions (longs), and its values; the common footer with a CRC32.
 */
public final class LossState {
    public static final Format FORMAT = Format.of("simforge-loss-state", 1);
    private static final byte FLOAT32 = 0;
    private static final byte INT32 = 1;

    /** One array: its shape and values (one of the two is null). */
    private record Entry(long[] shape, float[] floats, int[] ints) {}

    private final Map<String, Entry> entries = new TreeMap<>();

    /** Adds a copy of {@code array}'s values (float32 or int32). */
    public LossState put(String name, NDArray array) {
        long[] shape = array.getShape().getShape();
        if (array.getDataType() == DataType.FLOAT32) {
            entries.put(name, new Entry(shape, array.toFloatArray(), null));
        } else if (array.getDataType() == DataType.INT32) {
            entries.put(name, new Entry(shape, null, array.toIntArray()));
        } else {
            throw new IllegalArgumentException(name + " is " + array.getDataType() + "; loss state keeps float32 and "
                    + "int32 arrays");
        }
        return this;
    }

    /** Adds a vector of ints (counters). */
    public LossState putInts(String name, int... values) {
        entries.put(name, new Entry(new long[] {values.length}, null, values.clone()));
        return this;
    }

    /** Adds every array of {@code other}. */
    public LossState putAll(LossState other) {
        entries.putAll(other.entries);
        return this;
    }

    public boolean isEmpty() {
        return entries.isEmpty();
    }

    public Set<String> names() {
        return Set.copyOf(entries.keySet());
    }

    /**
     * Copies the saved values of {@code name} into {@code live}, an array of the same shape and type.
     *
     * @throws IllegalArgumentException when there is no such array, or it has another shape or type
     */
    public void copyInto(String name, NDArray live) {
        Entry e = entry(name);
        Shape shape = new Shape(e.shape());
        boolean floats = live.getDataType() == DataType.FLOAT32;
        if (!shape.equals(live.getShape()) || floats != (e.floats() != null)) {
            throw new IllegalArgumentException("the saved " + name + " is " + (e.floats() != null ? "float32 " : "int32 ")
                    + shape + ", but this run's is " + live.getDataType() + " " + live.getShape());
        }
        if (floats) {
            live.set(FloatBuffer.wrap(e.floats()));
        } else {
            live.set(IntBuffer.wrap(e.ints()));
        }
    }

    /** The saved ints of {@code name}. */
    public int[] ints(String name) {
        Entry e = entry(name);
        if (e.ints() == null) {
            throw new IllegalArgumentException("the saved " + name + " holds floats, not ints");
        }
        return e.ints().clone();
    }

    private Entry entry(String name) {
        Entry e = entries.get(name);
        if (e == null) {
            throw new IllegalArgumentException("the saved loss state has no " + name + " (it has " + entries.keySet()
                    + ")");
        }
        return e;
    }

    /** Writes the arrays to {@code file}, atomically. */
    public void write(Path file) throws IOException {
        AtomicFiles.write(file, raw -> {
            FormatOutput out = FormatOutput.start(raw, FORMAT);
            out.writeInt(entries.size());
            for (Map.Entry<String, Entry> n : entries.entrySet()) {
                Entry e = n.getValue();
                out.writeString(n.getKey());
                out.writeByte(e.floats() != null ? FLOAT32 : INT32);
                out.writeInt(e.shape().length);
                for (long d : e.shape()) {
                    out.writeLong(d);
                }
                if (e.floats() != null) {
                    for (float f : e.floats()) {
                        out.writeFloat(f);
                    }
                } else {
                    for (int i : e.ints()) {
                        out.writeInt(i);
                    }
                }
            }
            out.finish();
        });
    }

    /**
     * Reads a file written by {@link #write}.
     *
     * @throws FormatException when it is of another format, newer, or damaged
     */
    public static LossState read(Path file) throws IOException {
        LossState s = new LossState();
        try (FormatInput in = FormatInput.open(file)) {
            in.checkHeader(FORMAT, 1);
            int count = in.readCount("the array count", 4 + 1 + 4);
            for (int a = 0; a < count; a++) {
                String name = in.readString();
                byte type = in.readByte();
                if (type != FLOAT32 && type != INT32) {
                    throw in.damaged(name + " has the unknown type " + type);
                }
                long[] shape = new long[in.readCount(name + "'s rank", 8)];
                long size = 1;
                for (int d = 0; d < shape.length; d++) {
                    shape[d] = in.checkCount(in.readLong(), 0, name + "'s dimension " + d);
                    size = Math.multiplyExact(size, shape[d]);
                }
                if (size > Integer.MAX_VALUE - 8) {
                    throw in.damaged(name + " claims " + size + " values, more than an array holds");
                }
                in.checkCount(size, 4, name + "'s size");
                if (type == FLOAT32) {
                    float[] v = new float[(int) size];
                    for (int i = 0; i < v.length; i++) {
                        v[i] = in.readFloat();
                    }
                    s.entries.put(name, new Entry(shape, v, null));
                } else {
                    int[] v = new int[(int) size];
                    for (int i = 0; i < v.length; i++) {
                        v[i] = in.readInt();
                    }
                    s.entries.put(name, new Entry(shape, null, v));
                }
            }
            in.checkFooter();
        } catch (ArithmeticException e) {
            throw FormatException.damaged(file.toString(), "an array's dimensions overflow");
        }
        return s;
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder("LossState{");
        entries.forEach((k, e) -> b.append(k).append(Arrays.toString(e.shape())).append(' '));
        return b.append('}').toString();
    }
}
