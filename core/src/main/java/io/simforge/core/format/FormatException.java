package io.simforge.core.format;

import java.io.IOException;

/**
 * A file simforge cannot read, and why: it is of another format, of a newer version than this simforge reads,
 * or damaged (truncated, a checksum that does not match, a count or length its bytes cannot hold). The message
 * names the file, the problem and what to do.
 */
public final class FormatException extends IOException {
    /** Why a file was refused. */
    public enum Problem {
        /** Not a file of the expected format (another format, or no simforge header at all). */
        FOREIGN,
        /** Written by a newer simforge, in a version this one does not read. */
        NEWER,
        /** Truncated or altered after it was written. */
        DAMAGED
    }

    private final Problem problem;
    private final String file;

    private FormatException(Problem problem, String file, String message) {
        super(message);
        this.problem = problem;
        this.file = file;
    }

    static FormatException foreign(String file, Format expected, String detail) {
        return new FormatException(Problem.FOREIGN, file, file + " is not a " + expected.kind() + " file: " + detail);
    }

    /**
     * A file that is not what was expected, for formats that are not simforge's own (NumPy's {@code .npy}).
     *
     * @param kind what was expected, as the message names it ("NumPy .npy file")
     */
    public static FormatException foreign(String file, String kind, String detail) {
        return new FormatException(Problem.FOREIGN, file, file + " is not a " + kind + ": " + detail);
    }

    static FormatException newer(String file, Format expected, int version) {
        return new FormatException(Problem.NEWER, file, file + " is a " + expected.kind() + " file of version " + version
                + ", newer than this simforge reads (up to " + expected.version() + "): upgrade simforge");
    }

    /**
     * A damaged file.
     *
     * @param detail what is wrong, e.g. "it is truncated" or "id 'x' appears twice"
     */
    public static FormatException damaged(String file, String detail) {
        return new FormatException(Problem.DAMAGED, file, file + " is damaged: " + detail
                + ". Restore it from a copy or write it again.");
    }

    /** Why the file was refused. */
    public Problem problem() {
        return problem;
    }

    /** The file (or other source) that was refused, as named in the message. */
    public String file() {
        return file;
    }
}
