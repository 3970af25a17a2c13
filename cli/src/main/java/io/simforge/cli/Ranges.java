package io.simforge.cli;

import java.util.Locale;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * Range checks for numeric flags, as picocli converters: a value out of range is refused while the command line is
 * parsed, before anything runs, with the value as the user typed it ({@code Invalid value for option '-k': -3 is
 * not a whole number of 1 or more}). Every numeric flag of every command uses one; seeds take any whole number.
 */
final class Ranges {
    private Ranges() {}

    private static long parseWhole(String typed, String range) {
        try {
            return Long.parseLong(typed.trim());
        } catch (NumberFormatException e) {
            throw new TypeConversionException("'" + typed + "' is not a whole number; give " + range);
        }
    }

    private static float parseFloat(String typed, String range) {
        try {
            float v = Float.parseFloat(typed.trim());
            if (Float.isFinite(v)) {
                return v;
            }
        } catch (NumberFormatException e) {
            // refused below
        }
        throw new TypeConversionException("'" + typed + "' is not a number; give " + range);
    }

    /** A count: 1 or more. */
    static final class Positive implements ITypeConverter<Integer> {
        @Override
        public Integer convert(String typed) {
            long v = parseWhole(typed, "a whole number of 1 or more");
            if (v < 1 || v > Integer.MAX_VALUE) {
                throw new TypeConversionException(typed + " is not a whole number of 1 or more");
            }
            return (int) v;
        }
    }

    /** A count that may be zero. */
    static final class NonNegative implements ITypeConverter<Integer> {
        @Override
        public Integer convert(String typed) {
            long v = parseWhole(typed, "a whole number of 0 or more");
            if (v < 0 || v > Integer.MAX_VALUE) {
                throw new TypeConversionException(typed + " is not a whole number of 0 or more");
            }
            return (int) v;
        }
    }

    /** A rate or a scale: more than 0. */
    static final class PositiveNumber implements ITypeConverter<Float> {
        @Override
        public Float convert(String typed) {
            float v = parseFloat(typed, "a number above 0");
            if (!(v > 0)) {
                throw new TypeConversionException(typed + " is not a number above 0");
            }
            return v;
        }
    }

    /** Any finite number (a mean, which may be below 0). */
    static final class Finite implements ITypeConverter<Float> {
        @Override
        public Float convert(String typed) {
            return parseFloat(typed, "a finite number");
        }
    }

    /** A fraction: from 0 up to, not including, 1. */
    static final class Fraction implements ITypeConverter<Float> {
        @Override
        public Float convert(String typed) {
            float v = parseFloat(typed, "a number from 0 to below 1");
            if (!(v >= 0 && v < 1)) {
                throw new TypeConversionException(String.format(Locale.ROOT, "%s is not a number from 0 to below 1",
                        typed));
            }
            return v;
        }
    }

    /** A non-negative real number (a noise level). */
    static final class NonNegativeNumber implements ITypeConverter<Double> {
        @Override
        public Double convert(String typed) {
            float v = parseFloat(typed, "a number of 0 or more");
            if (!(v >= 0)) {
                throw new TypeConversionException(typed + " is not a number of 0 or more");
            }
            return Double.parseDouble(typed.trim());
        }
    }
}
