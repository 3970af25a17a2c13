package io.simforge.core.run;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.gson.JsonParseException;
import io.simforge.core.format.FormatException;
import io.simforge.core.format.Format;
import java.io.BufferedWriter;
import java.io.Closeable;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A run's training log: JSON lines, one per iteration ({@code {"iteration":1,"loss":0.61,"seconds":0.05}})
 * and one per validation ({@code {"iteration":100,"validation":{"recall@1":0.81,...}}}), after a first line
 * that is the format's header ({@link #FORMAT}). Appended and flushed line by line, so a crashed run keeps its
 * log up to the last iteration; a torn last line is ignored on reading.
 */
public final class TrainingLog implements Closeable {
    public static final Format FORMAT = Format.of("simforge-training-log", 1);

    private final BufferedWriter out;

    private TrainingLog(BufferedWriter out) {
        this.out = out;
    }

    /** Starts a new log at {@code file}, replacing any old one. */
    public static TrainingLog create(Path file) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        TrainingLog log = new TrainingLog(Files.newBufferedWriter(file, StandardCharsets.UTF_8,
                StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE));
        log.line(FORMAT.header());
        return log;
    }

    /** Continues an existing log (a resumed run); starts a new one when there is none. */
    public static TrainingLog append(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            return create(file);
        }
        return new TrainingLog(Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.APPEND,
                StandardOpenOption.WRITE));
    }

    public void iteration(int iteration, double loss, double seconds) throws IOException {
        JsonObject o = new JsonObject();
        o.addProperty("iteration", iteration);
        o.addProperty("loss", loss);
        o.addProperty("seconds", seconds);
        line(o);
    }

    public void validation(int iteration, Map<String, Double> metrics) throws IOException {
        JsonObject o = new JsonObject();
        o.addProperty("iteration", iteration);
        JsonObject m = new JsonObject();
        metrics.forEach(m::addProperty);
        o.add("validation", m);
        line(o);
    }

    private void line(JsonObject o) throws IOException {
        out.write(o.toString());
        out.write('\n');
        out.flush();
    }

    @Override
    public void close() throws IOException {
        out.close();
    }

    /** One logged iteration. */
    public record Step(int iteration, double loss, double seconds) {}

    /** One validation. */
    public record Check(int iteration, Map<String, Double> metrics) {}

    /** A log as read back. */
    public record Contents(List<Step> steps, List<Check> validations) {}

    /**
     * Reads a log; a torn last line (a run killed mid-write) is skipped, any other bad line is damage.
     *
     * @throws io.simforge.core.format.FormatException when the first line is not this format's header, is newer, or
     *     a line is not a log entry (naming the file and the line)
     */
    public static Contents read(Path file) throws IOException {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (java.nio.charset.CharacterCodingException e) {
            throw FormatException.damaged(file.toString(), "it is not UTF-8 text");
        }
        List<Step> steps = new ArrayList<>();
        List<Check> checks = new ArrayList<>();
        boolean headerSeen = false;
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).trim();
            if (line.isEmpty()) {
                continue;
            }
            boolean last = i == lines.size() - 1;
            JsonObject o;
            try {
                o = JsonParser.parseString(line).getAsJsonObject();
            } catch (JsonParseException | IllegalStateException e) {
                if (last && headerSeen) {
                    break; // torn by a crash mid-write
                }
                throw FormatException.damaged(file.toString(), "line " + (i + 1) + " is not a JSON object");
            }
            if (!headerSeen) {
                FORMAT.checkHeader(o, file.toString());
                headerSeen = true;
                continue;
            }
            try {
                int iteration = o.get("iteration").getAsInt();
                if (o.has("validation")) {
                    Map<String, Double> m = new LinkedHashMap<>();
                    for (Map.Entry<String, JsonElement> e : o.getAsJsonObject("validation").entrySet()) {
                        m.put(e.getKey(), e.getValue().getAsDouble());
                    }
                    checks.add(new Check(iteration, m));
                } else {
                    steps.add(new Step(iteration, o.get("loss").getAsDouble(), o.get("seconds").getAsDouble()));
                }
            } catch (RuntimeException e) { // a missing member, or one of the wrong kind
                if (last) {
                    break;
                }
                throw FormatException.damaged(file.toString(), "line " + (i + 1) + " is not an iteration or a "
                        + "validation entry: " + (line.length() > 120 ? line.substring(0, 120) + "…" : line));
            }
        }
        if (!headerSeen) {
            throw FormatException.damaged(file.toString(), "it is empty (no header line)");
        }
        return new Contents(steps, checks);
    }
}
