package io.simforge.infer;

import io.simforge.core.error.InvalidInputException;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Which items a search may return, by their string attributes: for every key it names, an item's value must be one
 * of the allowed values (keys are and-ed, values of one key or-ed). An item without the key does not match.
 * {@link #ALL} accepts every item.
 *
 * <pre>{@code
 * AttributeFilter f = AttributeFilter.parse("category=shoes|boots,shop=berlin");
 * AttributeFilter g = AttributeFilter.ALL.and("category", "shoes", "boots").and("shop", "berlin");  // the same
 * }</pre>
 */
public final class AttributeFilter {
    /** Accepts every item. */
    public static final AttributeFilter ALL = new AttributeFilter(Map.of());

    private final Map<String, Set<String>> allowed;

    private AttributeFilter(Map<String, Set<String>> allowed) {
        this.allowed = allowed;
    }

    /** This filter, also requiring attribute {@code key} to be one of {@code values}. */
    public AttributeFilter and(String key, String... values) {
        checkKey(key);
        if (values.length == 0) {
            throw new InvalidInputException("filter on '" + key + "' allows no value: give at least one");
        }
        if (allowed.containsKey(key)) {
            throw new InvalidInputException("filter names '" + key + "' twice: list its values once, separated by |");
        }
        Set<String> set = new LinkedHashSet<>();
        for (String v : values) {
            if (v == null) {
                throw new InvalidInputException("filter on '" + key + "' has a null value");
            }
            set.add(v);
        }
        Map<String, Set<String>> next = new LinkedHashMap<>(allowed);
        next.put(key, Collections.unmodifiableSet(set));
        return new AttributeFilter(Collections.unmodifiableMap(next));
    }

    /**
     * Parses {@code key=value|value,key=value} (the command line's {@code --filter}); an empty text is {@link #ALL}.
     *
     * @throws InvalidInputException naming the part that is not {@code key=value}
     */
    public static AttributeFilter parse(String text) {
        AttributeFilter f = ALL;
        if (text == null || text.isBlank()) {
            return f;
        }
        for (String part : text.split(",")) {
            int eq = part.indexOf('=');
            if (eq <= 0) {
                throw new InvalidInputException("filter part '" + part + "' is not key=value (several values: "
                        + "key=a|b; several keys: key=a,other=b)");
            }
            f = f.and(part.substring(0, eq).trim(), part.substring(eq + 1).split("\\|", -1));
        }
        return f;
    }

    /** Whether this filter accepts every item. */
    public boolean acceptsAll() {
        return allowed.isEmpty();
    }

    /** The allowed values by key, in the order given. */
    public Map<String, Set<String>> allowed() {
        return allowed;
    }

    /** Whether an item with these attributes matches. */
    public boolean matches(Map<String, String> attributes) {
        for (Map.Entry<String, Set<String>> e : allowed.entrySet()) {
            String v = attributes.get(e.getKey());
            if (v == null || !e.getValue().contains(v)) {
                return false;
            }
        }
        return true;
    }

    /**
     * Checks an item's attributes as every index does.
     *
     * @throws InvalidInputException for an empty or null key or a null value, naming the item
     */
    public static void checkAttributes(String id, Map<String, String> attributes) {
        for (Map.Entry<String, String> e : attributes.entrySet()) {
            if (e.getKey() == null || e.getKey().isEmpty() || e.getValue() == null) {
                throw new InvalidInputException("item '" + id + "' has attribute " + e.getKey() + "=" + e.getValue()
                        + ": attributes need a non-empty key and a value");
            }
        }
    }

    private static void checkKey(String key) {
        if (key == null || key.isEmpty()) {
            throw new InvalidInputException("a filter needs a non-empty attribute name before '='");
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof AttributeFilter f && f.allowed.equals(allowed);
    }

    @Override
    public int hashCode() {
        return allowed.hashCode();
    }

    /** The {@link #parse} form. */
    @Override
    public String toString() {
        StringBuilder b = new StringBuilder();
        for (Map.Entry<String, Set<String>> e : allowed.entrySet()) {
            b.append(b.length() == 0 ? "" : ",").append(e.getKey()).append('=').append(String.join("|", List.copyOf(e.getValue())));
        }
        return b.toString();
    }
}
