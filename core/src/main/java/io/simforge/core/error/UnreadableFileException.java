package io.simforge.core.error;

import io.simforge.core.format.FormatException;

/**
 * A file simforge cannot read: of another format, of a newer version than this simforge reads, or damaged
 * (truncated, a checksum that does not match, a count its bytes cannot hold). The unchecked face of
 * {@link FormatException}, which is its cause; the message names the file and what to do.
 */
public class UnreadableFileException extends SimforgeException {
    private static final long serialVersionUID = 1L;

    private final FormatException.Problem problem;
    private final String file;

    public UnreadableFileException(FormatException cause) {
        super(cause.getMessage(), cause);
        this.problem = cause.problem();
        this.file = cause.file();
    }

    /** Why the file was refused. */
    public FormatException.Problem problem() {
        return problem;
    }

    /** The file, as the message names it. */
    public String file() {
        return file;
    }
}
