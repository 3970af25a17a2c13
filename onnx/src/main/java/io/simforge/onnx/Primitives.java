package io.simforge.onnx;

import java.util.Arrays;

/** Growable primitive arrays for repeated scalar fields, which may arrive packed, one by one, or both. */
final class Primitives {
    private Primitives() {}

    static final class LongList {
        private long[] values = new long[0];
        private int size;

        void reserve(int more) {
            if (size + more > values.length) {
                values = Arrays.copyOf(values, size + more);
            }
        }

        void add(long v) {
            if (size == values.length) {
                values = Arrays.copyOf(values, Math.max(4, size * 2));
            }
            values[size++] = v;
        }

        long[] toArray() {
            return Arrays.copyOf(values, size);
        }

        int[] toIntArray() {
            int[] r = new int[size];
            for (int i = 0; i < size; i++) {
                r[i] = (int) values[i]; // int32 travels sign-extended; protobuf truncates the same way
            }
            return r;
        }
    }

    static final class FloatList {
        private float[] values = new float[0];
        private int size;

        void reserve(int more) {
            if (size + more > values.length) {
                values = Arrays.copyOf(values, size + more);
            }
        }

        void add(float v) {
            if (size == values.length) {
                values = Arrays.copyOf(values, Math.max(4, size * 2));
            }
            values[size++] = v;
        }

        float[] toArray() {
            return Arrays.copyOf(values, size);
        }
    }

    static final class DoubleList {
        private double[] values = new double[0];
        private int size;

        void reserve(int more) {
            if (size + more > values.length) {
                values = Arrays.copyOf(values, size + more);
            }
        }

        void add(double v) {
            if (size == values.length) {
                values = Arrays.copyOf(values, Math.max(4, size * 2));
            }
            values[size++] = v;
        }

        double[] toArray() {
            return Arrays.copyOf(values, size);
        }
    }
}
