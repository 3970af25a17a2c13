package io.simforge.core.error;

import java.io.IOException;

/**
 * Reading or writing failed for a reason outside simforge's formats: a missing file, no permission, a full disk.
 * The unchecked face of the {@link IOException} that is its cause, with the same message.
 */
public class SimforgeIOException extends SimforgeException {
    private static final long serialVersionUID = 1L;

    public SimforgeIOException(IOException cause) {
        super(cause.getMessage() != null ? cause.getMessage() : cause.toString(), cause);
    }

    public SimforgeIOException(String message, IOException cause) {
        super(message, cause);
    }

    @Override
    public synchronized IOException getCause() {
        return (IOException) super.getCause();
    }
}
