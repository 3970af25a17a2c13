package io.simforge.core.error;

/**
 * What the caller passed cannot be used: a NaN or infinite value (named by row and column), a length that does
 * not fit the model or the index, a count out of range. Nothing was changed by the call that threw it.
 */
public class InvalidInputException extends SimforgeException {
    private static final long serialVersionUID = 1L;

    public InvalidInputException(String message) {
        super(message);
    }

    public InvalidInputException(String message, Throwable cause) {
        super(message, cause);
    }

    /**
     * Refuses the first value of {@code values} that is NaN or infinite, naming it by row and column.
     *
     * @param values row-major, {@code rowLength} values a row
     * @param what what the rows are, as the message names them ("query", "input")
     * @throws InvalidInputException naming the row and column of the first non-finite value
     */
    public static void requireFinite(float[] values, int rowLength, String what) {
        for (int i = 0; i < values.length; i++) {
            if (!Float.isFinite(values[i])) {
                throw new InvalidInputException(what + " row " + i / rowLength + ", column " + i % rowLength + " is "
                        + values[i] + ": every value must be a finite number. Remove or repair that row.");
            }
        }
    }
}
