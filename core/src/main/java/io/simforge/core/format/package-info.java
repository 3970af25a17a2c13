/**
 * The one header every file simforge writes starts with, and its one reader: {@link io.simforge.core.format.Format}
 * for JSON, JSON lines and ONNX metadata, {@link io.simforge.core.format.FormatOutput} and
 * {@link io.simforge.core.format.FormatInput} for binary files (header, checksummed footer, counts checked against
 * the file's size). {@code docs/file-formats.md} lists every format and its versions.
 */
package io.simforge.core.format;
