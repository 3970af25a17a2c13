package io.simforge.core.device;

import com.google.gson.TypeAdapter;
import com.google.gson.annotations.JsonAdapter;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonWriter;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.IntStream;

/**
 * Where work runs, as a user writes it in every command and configuration: {@code cpu}, {@code cuda} (the first
 * GPU), {@code cuda:N}, several GPUs {@code cuda:0,1}, or {@code cuda:all}. The older spellings {@code gpu},
 * {@code gpu:N}, {@code gpu:0,1} and {@code gpu:all} are still read; {@link #deprecatedSpelling()} says when one
 * was used, so a command can print a one-line note. Training maps it to DJL devices (several GPUs:
 * data-parallel), inference to an ONNX Runtime execution provider (one device).
 *
 * @param kind CPU or CUDA
 * @param ids the CUDA device ids in the order given (empty for the CPU and for {@code cuda:all})
 * @param all every visible GPU ({@code cuda:all})
 * @param deprecatedSpelling the text as given when it used an older spelling, else null
 */
@JsonAdapter(DeviceSpec.Adapter.class)
public record DeviceSpec(Kind kind, List<Integer> ids, boolean all, String deprecatedSpelling) {
    /** The processor family. */
    public enum Kind { CPU, CUDA }

    /** The accepted spellings, for messages and help texts. */
    public static final String SPELLINGS = "cpu, cuda, cuda:N, cuda:N,M,... or cuda:all";

    public DeviceSpec {
        ids = List.copyOf(ids);
        if (kind == Kind.CPU && (!ids.isEmpty() || all)) {
            throw new IllegalArgumentException("the CPU takes no device ids");
        }
        if (ids.stream().anyMatch(i -> i < 0)) {
            throw new IllegalArgumentException("CUDA device ids must be >= 0, got " + ids);
        }
        if (ids.stream().distinct().count() != ids.size()) {
            throw new IllegalArgumentException("device '" + text(kind, ids, all) + "' names a GPU twice");
        }
    }

    public static DeviceSpec cpu() {
        return new DeviceSpec(Kind.CPU, List.of(), false, null);
    }

    /** One CUDA device. */
    public static DeviceSpec cuda(int id) {
        return new DeviceSpec(Kind.CUDA, List.of(id), false, null);
    }

    /**
     * Parses a device as typed on the command line or in a configuration file.
     *
     * @throws IllegalArgumentException naming the text and the accepted spellings
     */
    public static DeviceSpec parse(String text) {
        if (text == null) {
            throw new IllegalArgumentException("no device given: use " + SPELLINGS);
        }
        String t = text.trim().toLowerCase(Locale.ROOT);
        boolean old = t.equals("gpu") || t.startsWith("gpu:");
        if (old) {
            t = "cuda" + t.substring(3);
        }
        DeviceSpec spec;
        if (t.equals("cpu")) {
            spec = cpu();
        } else if (t.equals("cuda")) {
            spec = cuda(0);
        } else if (t.equals("cuda:all")) {
            spec = new DeviceSpec(Kind.CUDA, List.of(), true, null);
        } else if (t.matches("cuda:\\d{1,4}(,\\d{1,4})*")) {
            spec = new DeviceSpec(Kind.CUDA, Arrays.stream(t.substring(5).split(",")).map(Integer::valueOf).toList(),
                    false, null);
        } else {
            throw new IllegalArgumentException("device '" + text + "' is not understood: use " + SPELLINGS);
        }
        return old ? new DeviceSpec(spec.kind, spec.ids, spec.all, text.trim()) : spec;
    }

    public boolean isCpu() {
        return kind == Kind.CPU;
    }

    /** Whether several GPUs are asked for ({@code cuda:0,1} or {@code cuda:all}). */
    public boolean isMultiple() {
        return all || ids.size() > 1;
    }

    /** The GPU ids to use when {@code visible} GPUs exist ({@code cuda:all} expands to all of them). */
    public int[] idsGiven(int visible) {
        return all ? IntStream.range(0, visible).toArray() : ids.stream().mapToInt(Integer::intValue).toArray();
    }

    /** A one-line note for an older spelling, or null. */
    public String deprecationNote() {
        return deprecatedSpelling == null ? null : "device '" + deprecatedSpelling + "' is an older spelling; write '"
                + this + "' (" + SPELLINGS + ")";
    }

    @Override
    public String toString() {
        return text(kind, ids, all);
    }

    private static String text(Kind kind, List<Integer> ids, boolean all) {
        if (kind == Kind.CPU) {
            return "cpu";
        }
        if (all) {
            return "cuda:all";
        }
        return "cuda:" + String.join(",", ids.stream().map(String::valueOf).toList());
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DeviceSpec d && d.kind == kind && d.ids.equals(ids) && d.all == all;
    }

    @Override
    public int hashCode() {
        return toString().hashCode();
    }

    /** Written and read as its text, e.g. {@code "cuda:0,1"}. */
    static final class Adapter extends TypeAdapter<DeviceSpec> {
        @Override
        public void write(JsonWriter out, DeviceSpec value) throws IOException {
            if (value == null) {
                out.nullValue();
            } else {
                out.value(value.toString());
            }
        }

        @Override
        public DeviceSpec read(JsonReader in) throws IOException {
            if (in.peek() == com.google.gson.stream.JsonToken.NULL) {
                in.nextNull();
                return null;
            }
            return parse(in.nextString());
        }
    }
}
